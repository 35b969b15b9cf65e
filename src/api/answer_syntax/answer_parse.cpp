#include "api/answer_syntax/answer_parse.h"

#include <algorithm>

namespace cria {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

AnswerParse::AnswerParse(std::string_view text, bool partial, const AnswerOptions& options)
    : text_(text), partial_(partial), options_(&options) {}

AnswerParse::Resume AnswerParse::reread(std::string_view text) {
    text_ = text;
    pos_ = resume_pos_;
    content_rewritten_from_ = resume_cursors_.content - resume_cursors_.content_tail.size();
    reasoning_rewritten_from_ = resume_cursors_.reasoning - resume_cursors_.reasoning_tail.size();
    restore(out_.content, resume_cursors_.content, resume_cursors_.content_tail);
    restore(out_.reasoning, resume_cursors_.reasoning, resume_cursors_.reasoning_tail);
    content_at_ = resume_cursors_.content;
    reasoning_at_ = resume_cursors_.reasoning;
    calls_at_ = resume_cursors_.calls;
    arguments_at_ = resume_cursors_.arguments;
    return resume_;
}

void AnswerParse::checkpoint(Resume resume) {
    resume_ = resume;
    resume_pos_ = pos_;
    resume_cursors_ = {content_at_, reasoning_at_, calls_at_, arguments_at_, space_tail(out_.content, content_at_),
                       space_tail(out_.reasoning, reasoning_at_)};
    // Scans that started before the checkpoint are never asked for again.
    const auto before = [this](const auto& memo) { return memo.from < resume_pos_; };
    find_memos_.erase(std::remove_if(find_memos_.begin(), find_memos_.end(), before), find_memos_.end());
    json_memos_.erase(std::remove_if(json_memos_.begin(), json_memos_.end(), before), json_memos_.end());
}

std::string AnswerParse::space_tail(const std::string& field, size_t at) {
    size_t from = at;
    while (from > 0 && is_space(field[from - 1])) --from;
    return field.substr(from, at - from);
}

void AnswerParse::restore(std::string& field, size_t at, const std::string& tail) {
    // Only a trim changes bytes written before a checkpoint, and it only drops its space tail.
    field.resize(at - tail.size());
    field.append(tail);
}

void AnswerParse::write(std::string& field, size_t& at, std::string_view text) {
    // Bytes [at, field.size()) were written by a former reading, and are the ones written now.
    if (at + text.size() > field.size()) field.append(text.substr(field.size() - at));
    at += text.size();
}

void AnswerParse::trim(std::string& field, size_t& at) {
    field.resize(at);
    while (!field.empty() && is_space(field.back())) field.pop_back();
    at = field.size();
}

MarkerAt AnswerParse::find(std::initializer_list<std::string_view> markers) {
    std::string key;
    size_t longest = 0;
    for (std::string_view m : markers) {
        key.append(m).push_back('\0');
        longest = std::max(longest, m.size());
    }
    FindMemo* memo = nullptr;
    for (auto& m : find_memos_) {
        if (m.from == pos_ && m.markers == key) memo = &m;
    }
    const size_t start = memo != nullptr ? std::max(pos_, memo->clear_to) : pos_;
    MarkerAt best;
    size_t i = 0;
    for (std::string_view m : markers) {
        const size_t at = text_.find(m, start);
        if (at != std::string_view::npos && (best.at == std::string_view::npos || at < best.at)) best = {i, at};
        ++i;
    }
    count_scanned((best.found() ? std::min(text_.size(), best.at + longest) : text_.size()) - start);
    if (!best.found() && partial_) {
        if (memo == nullptr) {
            find_memos_.push_back(FindMemo{pos_, std::move(key), pos_});
            memo = &find_memos_.back();
        }
        // No marker starts before this: one that did would have ended inside the text.
        if (text_.size() + 1 > longest) memo->clear_to = std::max(start, text_.size() + 1 - longest);
    }
    return best;
}

size_t AnswerParse::held_from(std::initializer_list<std::string_view> markers) {
    if (!partial_) return text_.size();
    size_t from = text_.size();
    for (std::string_view m : markers) {
        // The longest tail of the text that m starts with.
        for (size_t n = std::min(m.size() - 1, text_.size() - pos_); n > 0; --n) {
            count_scanned(n);
            if (text_.substr(text_.size() - n) == m.substr(0, n)) {
                from = std::min(from, text_.size() - n);
                break;
            }
        }
    }
    return from;
}

MarkerAt AnswerParse::content_until(std::initializer_list<std::string_view> markers, Resume resume) {
    const MarkerAt m = find(markers);
    const size_t stop = m.found() ? m.at : held_from(markers);
    add_content(text_.substr(pos_, stop - pos_));
    pos_ = stop;
    if (resume != nullptr) checkpoint(resume);
    return m;
}

MarkerAt AnswerParse::reasoning_until(std::initializer_list<std::string_view> markers, Resume resume) {
    const MarkerAt m = find(markers);
    const size_t stop = m.found() ? m.at : held_from(markers);
    write(out_.reasoning, reasoning_at_, text_.substr(pos_, stop - pos_));
    pos_ = stop;
    if (resume != nullptr) checkpoint(resume);
    return m;
}

bool AnswerParse::consume(std::string_view literal) {
    count_scanned(literal.size());
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
}

bool AnswerParse::could_become(std::string_view literal) {
    const std::string_view r = rest();
    count_scanned(std::min(r.size(), literal.size()));
    return partial_ && r.size() < literal.size() && literal.substr(0, r.size()) == r;
}

void AnswerParse::skip_spaces() {
    const size_t from = pos_;
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    count_scanned(pos_ - from + 1);
}

void AnswerParse::add_content(std::string_view text) { write(out_.content, content_at_, text); }

void AnswerParse::keep_as_content(size_t from, size_t size) {
    add_content(text_.substr(from, size));
    pos_ = from + size;
}

void AnswerParse::trim_reasoning() { trim(out_.reasoning, reasoning_at_); }

void AnswerParse::begin_call(std::string name) {
    trim(out_.content, content_at_);
    // A former reading may have begun this call already: the same call, by the rule above,
    // when it began at the same place.
    if (calls_at_ == out_.calls.size()) {
        out_.calls.push_back({std::move(name), ""});
        call_begun_at_.push_back(pos_);
        call_replaced_.push_back(false);
    } else if (call_begun_at_[calls_at_] != pos_ || out_.calls[calls_at_].name != name) {
        out_.calls[calls_at_] = {std::move(name), ""};
        call_begun_at_[calls_at_] = pos_;
        call_replaced_[calls_at_] = true;
    }
    ++calls_at_;
    arguments_at_ = 0;
}

void AnswerParse::set_arguments(std::string_view text) {
    arguments_at_ = 0;
    add_arguments(text);
}

void AnswerParse::replace_arguments(std::string_view text) {
    std::string& field = out_.calls.at(calls_at_ - 1).arguments;
    count_scanned(std::min(field.size(), text.size()));
    if (text.size() >= field.size() && text.compare(0, field.size(), field) == 0) field.append(text.substr(field.size()));
    arguments_at_ = field.size();
}

void AnswerParse::add_arguments(std::string_view text) { write(out_.calls.at(calls_at_ - 1).arguments, arguments_at_, text); }

void read_content_to_end(AnswerParse& p) { p.content_until({}, read_content_to_end); }

}  // namespace cria
