#include "engine/output_text.h"

#include <algorithm>

namespace cria {

namespace {
// An empty stop string would match everywhere; the API layer rejects it, this is a backstop.
std::vector<std::string> without_empty(std::vector<std::string> strings) {
    strings.erase(std::remove(strings.begin(), strings.end(), std::string()), strings.end());
    return strings;
}
}  // namespace

OutputText::OutputText(std::vector<std::string> stop_strings)
    : stop_strings_(without_empty(std::move(stop_strings))), automaton_(stop_strings_) {
    for (const auto& s : stop_strings_) longest_stop_ = std::max(longest_stop_, s.size());
}

bool OutputText::append(const std::string& piece) {
    if (!stopping_word_.empty()) return true;
    const size_t old_size = text_.size();
    text_ += piece;
    if (automaton_.empty()) return false;

    // Every match that ends in the new bytes, earliest start first (then the first in the list).
    // At each end only the longest match can start earliest; once no later match can start at or
    // before the best one, the rest of the piece cannot change the answer.
    size_t best_start = std::string::npos;
    size_t best_index = 0;
    for (size_t i = old_size; i < text_.size(); ++i) {
        if (best_start != std::string::npos && i >= best_start + longest_stop_) break;
        state_ = automaton_.step(state_, static_cast<unsigned char>(text_[i]));
        const size_t length = automaton_.match_length(state_);
        if (length == 0) continue;
        const size_t start = i + 1 - length;
        const size_t index = automaton_.match_index(state_);
        if (start < best_start || (start == best_start && index < best_index)) {
            best_start = start;
            best_index = index;
        }
    }
    if (best_start == std::string::npos) return false;
    stopping_word_ = stop_strings_[best_index];
    text_.resize(best_start);
    sent_ = std::min(sent_, text_.size());  // cannot happen: held-back bytes cover any partial match
    finished_ = true;
    return true;
}

void OutputText::cut_and_finish(size_t at) {
    if (at < text_.size()) text_.resize(std::max(at, sent_));
    finished_ = true;
}

std::string OutputText::take_sendable() {
    size_t end = text_.size();
    if (!finished_) {
        // The longest suffix that is a proper prefix of a stop string (a whole one would have
        // matched) is exactly the automaton's depth.
        end -= automaton_.depth(state_);
        // Only the last few bytes can belong to an unfinished character.
        const size_t tail = std::min<size_t>(end, 4);
        end -= incomplete_utf8_suffix(text_.substr(end - tail, tail));
    }
    if (end <= sent_) return {};
    std::string out = text_.substr(sent_, end - sent_);
    sent_ = end;
    return out;
}

namespace {
// Length of the UTF-8 sequence a lead byte announces; 0 for a continuation or invalid byte.
size_t utf8_sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 0;
}
}  // namespace

size_t incomplete_utf8_suffix(const std::string& text) {
    // Walk back over at most 3 continuation bytes to the lead byte of the last character.
    const size_t n = text.size();
    for (size_t back = 1; back <= std::min<size_t>(4, n); ++back) {
        const auto byte = static_cast<unsigned char>(text[n - back]);
        if ((byte & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
        const size_t need = utf8_sequence_length(byte);
        return (need > back) ? back : 0;      // an invalid lead byte is not "incomplete": send it
    }
    return 0;
}

bool is_valid_utf8(const std::string& text) {
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const size_t len = utf8_sequence_length(lead);
        if (len == 0 || i + len > n) return false;
        uint32_t cp = len == 1 ? lead : (lead & (0x7F >> len));
        for (size_t k = 1; k < len; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
        }
        // Reject overlong forms, surrogates and values past U+10FFFF.
        static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

}  // namespace cria
