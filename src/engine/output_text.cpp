#include "engine/output_text.h"

#include <algorithm>

namespace cria {

OutputText::OutputText(std::vector<std::string> stop_strings) : stop_strings_(std::move(stop_strings)) {
    // An empty stop string would match everywhere; the API layer rejects it, this is a backstop.
    stop_strings_.erase(std::remove(stop_strings_.begin(), stop_strings_.end(), std::string()),
                        stop_strings_.end());
    for (const auto& s : stop_strings_) longest_stop_ = std::max(longest_stop_, s.size());
}

bool OutputText::append(const std::string& piece) {
    if (!stopping_word_.empty()) return true;
    const size_t old_size = text_.size();
    text_ += piece;
    if (stop_strings_.empty()) return false;

    // A new match must end inside the new piece, so it starts at most longest_stop_-1 bytes earlier.
    const size_t search_from = old_size >= longest_stop_ ? old_size - longest_stop_ + 1 : 0;
    size_t best_pos = std::string::npos;
    const std::string* best = nullptr;
    for (const auto& s : stop_strings_) {
        const size_t pos = text_.find(s, search_from);
        if (pos != std::string::npos && pos < best_pos) {
            best_pos = pos;
            best = &s;
        }
    }
    if (best == nullptr) return false;
    stopping_word_ = *best;
    text_.resize(best_pos);
    sent_ = std::min(sent_, text_.size());  // cannot happen: held-back bytes cover any partial match
    finished_ = true;
    return true;
}

size_t OutputText::held_back_for_stop_strings() const {
    size_t hold = 0;
    for (const auto& s : stop_strings_) {
        // The longest proper prefix of s that the text ends with.
        for (size_t k = std::min(s.size() - 1, text_.size()); k > hold; --k) {
            if (text_.compare(text_.size() - k, k, s, 0, k) == 0) {
                hold = k;
                break;
            }
        }
    }
    return hold;
}

std::string OutputText::take_sendable() {
    size_t end = text_.size();
    if (!finished_) {
        end -= held_back_for_stop_strings();
        end -= incomplete_utf8_suffix(text_.substr(0, end));
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
