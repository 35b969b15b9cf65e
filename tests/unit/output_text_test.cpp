#include "engine/output_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

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

// ---- stop strings through the automaton: the same answers as scanning every string ----

// The rules stated in output_text.h, written the slow way: after each piece, the earliest match in
// the whole text (first in the list on a tie) stops; otherwise the longest proper prefix of any stop
// string that the text ends with is held back.
struct NaiveOutput {
    explicit NaiveOutput(std::vector<std::string> s) : stops(std::move(s)) {}

    std::vector<std::string> stops;
    std::string text;
    size_t sent = 0;
    std::string word;
    bool stopped = false;

    bool append(const std::string& piece) {
        text += piece;
        size_t best = std::string::npos;
        for (const auto& s : stops) {
            const size_t at = text.find(s);
            if (at != std::string::npos && at < best) {
                best = at;
                word = s;
            }
        }
        if (best == std::string::npos) return false;
        text.resize(best);
        stopped = true;
        return true;
    }
    std::string take() {
        size_t hold = 0;
        for (const auto& s : stops) {
            if (stopped) break;  // a match releases everything before it
            for (size_t k = std::min(s.size() - 1, text.size()); k > hold; --k) {
                if (text.compare(text.size() - k, k, s, 0, k) == 0) hold = k;
            }
        }
        const size_t end = text.size() - hold;
        std::string out = end > sent ? text.substr(sent, end - sent) : "";
        sent = std::max(sent, end);
        return out;
    }
};

TEST(OutputText, StopStringThatIsAPrefixOfAnother) {
    // "ab" completes first and wins even though "abc" is listed first and starts at the same byte
    // only once its last byte comes; in one piece, the first listed of the two wins.
    OutputText split({"abc", "ab"});
    EXPECT_FALSE(split.append("x a"));
    EXPECT_TRUE(split.append("b"));
    EXPECT_EQ(split.text(), "x ");
    EXPECT_EQ(split.stopping_word(), "ab");
    OutputText whole({"abc", "ab"});
    EXPECT_TRUE(whole.append("x abc"));
    EXPECT_EQ(whole.stopping_word(), "abc");
    OutputText reversed({"ab", "abc"});
    EXPECT_TRUE(reversed.append("x abc"));
    EXPECT_EQ(reversed.stopping_word(), "ab");
}

TEST(OutputText, LongerMatchEndingLaterButStartingEarlierWins) {
    OutputText out({"bcd", "abcdef"});
    EXPECT_TRUE(out.append("zabcdefg"));
    EXPECT_EQ(out.text(), "z");
    EXPECT_EQ(out.stopping_word(), "abcdef");
}

TEST(OutputText, OverlappingStopStringsHoldBackTheLongestPrefix) {
    OutputText out({"aab", "abx"});
    out.append("caa");
    EXPECT_EQ(out.take_sendable(), "c");  // "aa" could become "aab"
    out.append("b");
    EXPECT_EQ(out.stopping_word(), "aab");
    EXPECT_EQ(out.text(), "c");
}

TEST(OutputText, ManyStopStringsStillMatchAndHoldBack) {
    std::vector<std::string> stops;
    for (int i = 0; i < 20000; ++i) stops.push_back("s" + std::to_string(i) + std::string(20, 'x'));
    stops.push_back("<end>");
    OutputText out(stops);
    for (int i = 0; i < 200; ++i) {
        EXPECT_FALSE(out.append("word "));
        EXPECT_EQ(out.take_sendable(), "word ");
    }
    EXPECT_FALSE(out.append("s19999xx"));
    EXPECT_EQ(out.take_sendable(), "");  // a prefix of "s19999xxx..."
    EXPECT_FALSE(out.append(" <en"));
    EXPECT_EQ(out.take_sendable(), "s19999xx ");
    EXPECT_TRUE(out.append("d> tail"));
    EXPECT_EQ(out.stopping_word(), "<end>");
    out.finish();
    EXPECT_EQ(out.take_sendable(), "");
}

TEST(OutputText, MatchesTheRulesOnRandomText) {
    std::mt19937 rng(12);
    auto word = [&](size_t max_len) {
        std::string w(1 + rng() % max_len, 'a');
        for (auto& c : w) c = static_cast<char>('a' + rng() % 3);
        return w;
    };
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::string> stops;
        const size_t n = 1 + rng() % 5;
        for (size_t i = 0; i < n; ++i) stops.push_back(word(5));
        OutputText fast(stops);
        NaiveOutput slow(stops);
        std::string fast_sent, slow_sent;
        bool fast_stopped = false, slow_stopped = false;
        for (int t = 0; t < 12 && !slow_stopped; ++t) {
            const std::string piece = word(3);
            fast_stopped = fast.append(piece);
            slow_stopped = slow.append(piece);
            ASSERT_EQ(fast_stopped, slow_stopped) << round;
            fast_sent += fast.take_sendable();
            slow_sent += slow.take();
            ASSERT_EQ(fast_sent, slow_sent) << round;
        }
        ASSERT_EQ(fast.text(), slow.text) << round;
        if (slow_stopped) {
            ASSERT_EQ(fast.stopping_word(), slow.word) << round;
        }
    }
}

}  // namespace
}  // namespace cria
