#include "api/answer_syntax/answer_parse.h"

namespace cria {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

MarkerAt AnswerParse::find(std::initializer_list<std::string_view> markers) const {
    MarkerAt best;
    size_t i = 0;
    for (std::string_view m : markers) {
        const size_t at = text_.find(m, pos_);
        if (at != std::string_view::npos && (best.at == std::string_view::npos || at < best.at)) best = {i, at};
        ++i;
    }
    return best;
}

size_t AnswerParse::held_from(std::initializer_list<std::string_view> markers) const {
    if (!partial_) return text_.size();
    size_t from = text_.size();
    for (std::string_view m : markers) {
        // The longest tail of the text that m starts with.
        for (size_t n = std::min(m.size() - 1, text_.size() - pos_); n > 0; --n) {
            if (text_.substr(text_.size() - n) == m.substr(0, n)) {
                from = std::min(from, text_.size() - n);
                break;
            }
        }
    }
    return from;
}

MarkerAt AnswerParse::content_until(std::initializer_list<std::string_view> markers) {
    const MarkerAt m = find(markers);
    const size_t stop = m.found() ? m.at : held_from(markers);
    out_.content.append(text_.substr(pos_, stop - pos_));
    pos_ = stop;
    return m;
}

MarkerAt AnswerParse::reasoning_until(std::initializer_list<std::string_view> markers) {
    const MarkerAt m = find(markers);
    const size_t stop = m.found() ? m.at : held_from(markers);
    out_.reasoning.append(text_.substr(pos_, stop - pos_));
    pos_ = stop;
    return m;
}

bool AnswerParse::consume(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
}

bool AnswerParse::could_become(std::string_view literal) const {
    const std::string_view r = rest();
    return partial_ && r.size() < literal.size() && literal.substr(0, r.size()) == r;
}

void AnswerParse::skip_spaces() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
}

void AnswerParse::keep_as_content(size_t from, size_t size) {
    out_.content.append(text_.substr(from, size));
    pos_ = from + size;
}

ToolCall& AnswerParse::begin_call(std::string name) {
    while (!out_.content.empty() && is_space(out_.content.back())) out_.content.pop_back();
    out_.calls.push_back({std::move(name), ""});
    return out_.calls.back();
}

}  // namespace cria
