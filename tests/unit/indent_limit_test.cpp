// IndentLimit: llama-server's n_indent rule, read incrementally.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/indent_limit.h"
#include "engine/output_text.h"

namespace cria {
namespace {

constexpr size_t npos = std::string::npos;

// Feeds `pieces` one at a time as the scheduler does; returns the text as cut, and whether a cut
// happened.
std::pair<std::string, bool> generate(int32_t n_indent, const std::vector<std::string>& pieces) {
    IndentLimit limit(n_indent);
    std::string text;
    for (const auto& piece : pieces) {
        text += piece;
        const size_t cut = limit.check(text);
        if (cut != npos) return {text.substr(0, cut), true};
    }
    return {text, false};
}

TEST(IndentLimit, OffAtZeroAndBelow) {
    IndentLimit off(0);
    EXPECT_FALSE(off.active());
    EXPECT_EQ(off.check("x\ny\nz"), npos);
    EXPECT_EQ(IndentLimit(-3).check("x\ny"), npos);
}

TEST(IndentLimit, TheFirstLineContinuesThePromptAndIsNeverChecked) {
    EXPECT_EQ(generate(4, {"return x;"}), std::make_pair(std::string("return x;"), false));
}

TEST(IndentLimit, ALessIndentedLineIsCutWhereItsContentBegins) {
    // Indented lines go on; "}" at column 0 ends the block.
    const auto [text, cut] = generate(4, {"x = 1;", "\n    y", " = 2;\n", "}", " // end\n"});
    EXPECT_TRUE(cut);
    EXPECT_EQ(text, "x = 1;\n    y = 2;\n");
}

TEST(IndentLimit, TheShortIndentationItselfStays) {
    const auto [text, cut] = generate(4, {"a\n", "  ", "b"});
    EXPECT_TRUE(cut);
    EXPECT_EQ(text, "a\n  ");
}

TEST(IndentLimit, TabsCountAsOneEach) {
    EXPECT_EQ(generate(2, {"a\n\t\tb\n\tc"}), std::make_pair(std::string("a\n\t\tb\n\t"), true));
}

TEST(IndentLimit, ABlankLineCountsAsIndentedByZero) {
    EXPECT_EQ(generate(1, {"a\n", "\n", " b"}), std::make_pair(std::string("a\n"), true));
    // An indented blank line is indented enough.
    EXPECT_EQ(generate(1, {"a\n \n b"}), std::make_pair(std::string("a\n \n b"), false));
}

TEST(IndentLimit, SeveralLinesInOnePieceAreEachChecked) {
    EXPECT_EQ(generate(2, {"a\n  b\n  c\nd\n  e"}), std::make_pair(std::string("a\n  b\n  c\n"), true));
}

TEST(IndentLimit, EachByteIsReadOnceAcrossCalls) {
    // The same answer byte by byte gives the same cut as in one piece.
    const std::string answer = "f(x)\n    g(x)\n\th\n  i\nj";
    std::vector<std::string> bytes;
    for (char c : answer) bytes.emplace_back(1, c);
    EXPECT_EQ(generate(1, bytes), generate(1, {answer}));
    EXPECT_EQ(generate(1, bytes).first, "f(x)\n    g(x)\n\th\n  i\n");
    EXPECT_EQ(generate(2, bytes), generate(2, {answer}));
    EXPECT_EQ(generate(2, bytes).first, "f(x)\n    g(x)\n\t");
}

TEST(OutputTextCut, CutsTheUnsentTextAndReleasesTheRest) {
    OutputText out({"STOP"});
    out.append("ab\nST");
    EXPECT_EQ(out.take_sendable(), "ab\n");  // "ST" is held back: it could become "STOP"
    out.append("x\ny");
    out.cut_and_finish(6);  // "ab\nSTx\ny" cut before its second line
    EXPECT_EQ(out.text(), "ab\nSTx");
    EXPECT_EQ(out.take_sendable(), "STx");
}

TEST(OutputTextCut, NeverCutsWhatWasSent) {
    OutputText out({});
    out.append("hello");
    EXPECT_EQ(out.take_sendable(), "hello");
    out.cut_and_finish(2);
    EXPECT_EQ(out.text(), "hello");
    EXPECT_EQ(out.take_sendable(), "");
}

}  // namespace
}  // namespace cria
