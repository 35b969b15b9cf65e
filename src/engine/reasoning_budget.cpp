#include "engine/reasoning_budget.h"

#include "engine/output_text.h"

namespace cria {

ReasoningBudget::ReasoningBudget(const ReasoningBudgetParams& params, std::vector<Token> forced)
    : params_(params), forced_(std::move(forced)) {
    if (!params_.enabled() || forced_.empty()) return;
    if (!params_.prompt_opened) {
        // Without a start tag nothing can open the block.
        state_ = params_.start_tag.empty() ? State::done : State::before;
        return;
    }
    state_ = State::counting;
    start_forcing_if_spent();
}

std::optional<Token> ReasoningBudget::forced_token() const {
    if (state_ != State::forcing) return std::nullopt;
    return forced_[next_forced_];
}

void ReasoningBudget::observe(const std::string& piece) {
    switch (state_) {
        case State::before: return observe_before(piece);
        case State::counting: return observe_counting(piece);
        case State::forcing:
            if (++next_forced_ == forced_.size()) state_ = State::done;
            return;
        case State::done: return;
    }
}

void ReasoningBudget::observe_before(const std::string& piece) {
    for (const char c : piece) {
        const bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (seen_.empty() && blank) continue;  // the reader skips blanks before the tag too
        seen_.push_back(c);
        if (seen_.size() == params_.start_tag.size()) break;
    }
    if (params_.start_tag.compare(0, seen_.size(), seen_) != 0) {
        state_ = State::done;  // the answer starts with something else: no block to budget
    } else if (seen_.size() == params_.start_tag.size()) {
        // The block is open; what this token wrote after the tag is not counted (one token).
        seen_.clear();
        state_ = State::counting;
        start_forcing_if_spent();
    }
}

void ReasoningBudget::observe_counting(const std::string& piece) {
    seen_ += piece;
    if (seen_.find(params_.end_tag) != std::string::npos) {
        state_ = State::done;  // the model closed the block itself
        return;
    }
    // Keep only what could still be the start of end_tag (and a cut UTF-8 character).
    const size_t keep = params_.end_tag.size() + 4;
    if (seen_.size() > keep) seen_.erase(0, seen_.size() - keep);
    ++counted_;
    start_forcing_if_spent();
}

void ReasoningBudget::start_forcing_if_spent() {
    if (counted_ < params_.tokens) return;
    if (incomplete_utf8_suffix(seen_) > 0) return;  // finish the character first, then force
    state_ = State::forcing;
    next_forced_ = 0;
}

}  // namespace cria
