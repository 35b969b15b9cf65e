#include "engine/output_text.h"

#include <gtest/gtest.h>

namespace cria {
namespace {

// Feeds pieces one by one and concatenates what a stream would send, including the final flush.
std::string stream_all(OutputText& out, const std::vector<std::string>& pieces, bool* stopped) {
    std::string sent;
    *stopped = false;
    for (const auto& p : pieces) {
        *stopped = out.append(p);
        sent += out.take_sendable();
        if (*stopped) break;
    }
    out.finish();
    sent += out.take_sendable();
    return sent;
}

TEST(OutputText, NoStopStringsSendsEverythingImmediately) {
    OutputText out({});
    EXPECT_FALSE(out.append("Hello"));
    EXPECT_EQ(out.take_sendable(), "Hello");
    EXPECT_FALSE(out.append(" world"));
    EXPECT_EQ(out.take_sendable(), " world");
    EXPECT_EQ(out.text(), "Hello world");
}

TEST(OutputText, StopStringIsCutAndNeverSent) {
    OutputText out({"STOP"});
    bool stopped = false;
    const std::string sent = stream_all(out, {"abc", " ST", "O", "P tail"}, &stopped);
    EXPECT_TRUE(stopped);
    EXPECT_EQ(sent, "abc ");
    EXPECT_EQ(out.text(), "abc ");
    EXPECT_EQ(out.stopping_word(), "STOP");
}

TEST(OutputText, PartialStopPrefixIsHeldBackThenReleased) {
    OutputText out({"STOP"});
    out.append("abc ST");
    EXPECT_EQ(out.take_sendable(), "abc ");  // "ST" could still become STOP
    out.append("ONE");
    EXPECT_EQ(out.take_sendable(), "STONE");  // it did not
}

TEST(OutputText, HeldBackPrefixIsFlushedWhenGenerationEnds) {
    OutputText out({"STOP"});
    bool stopped = false;
    EXPECT_EQ(stream_all(out, {"abc S"}, &stopped), "abc S");
    EXPECT_FALSE(stopped);
}

TEST(OutputText, EarliestOfSeveralStopStringsWins) {
    OutputText out({"world", "lo w"});
    EXPECT_TRUE(out.append("hello world"));
    EXPECT_EQ(out.text(), "hel");
    EXPECT_EQ(out.stopping_word(), "lo w");
}

TEST(OutputText, StopStringSpanningManyPieces) {
    OutputText out({"<end>"});
    bool stopped = false;
    EXPECT_EQ(stream_all(out, {"x", "<", "e", "n", "d", ">", "y"}, &stopped), "x");
    EXPECT_TRUE(stopped);
}

TEST(OutputText, IncompleteUtf8IsHeldBack) {
    OutputText out({});
    const std::string euro = "\xE2\x82\xAC";  // U+20AC in three bytes
    out.append("a" + euro.substr(0, 1));
    EXPECT_EQ(out.take_sendable(), "a");
    out.append(euro.substr(1, 1));
    EXPECT_EQ(out.take_sendable(), "");
    out.append(euro.substr(2, 1));
    EXPECT_EQ(out.take_sendable(), euro);
}

TEST(OutputText, StrayContinuationByteIsNotHeldForever) {
    OutputText out({});
    out.append("a\x80");
    EXPECT_EQ(out.take_sendable(), "a\x80");
}

TEST(Utf8, IncompleteSuffixLengths) {
    EXPECT_EQ(incomplete_utf8_suffix(""), 0u);
    EXPECT_EQ(incomplete_utf8_suffix("abc"), 0u);
    EXPECT_EQ(incomplete_utf8_suffix("\xF0\x9F\x98"), 3u);  // 4-byte emoji missing one byte
    EXPECT_EQ(incomplete_utf8_suffix("\xF0\x9F\x98\x80"), 0u);
    EXPECT_EQ(incomplete_utf8_suffix("x\xC3"), 1u);
}

TEST(Utf8, Validation) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC\xF0\x9F\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xC3"));
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\x80"));
}

}  // namespace
}  // namespace cria
