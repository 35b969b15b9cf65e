// ReasoningBudget: one request's thinking budget, as a small state machine over the tokens it
// generates (ReasoningBudgetParams in generation_request.h says what a request asks for).
//
// Pure logic, no libllama: the scheduler asks forced_token() before sampling each token, and tells
// observe() every token it emitted (sampled or forced) with its text rendered with special tokens,
// so a control-token tag is seen too.
//
//   before:   the prompt did not open a block. The answer's first non-blank text decides: it
//             starts with start_tag (-> counting, the tag itself not counted) or it does not
//             (-> done). This is where the answer reader looks for reasoning, and nowhere else,
//             so a tag written later in the content is left alone.
//   counting: each token is one of thinking. Text completing end_tag ends the block (-> done);
//             the budget-th token (-> forcing), once the text does not end inside a UTF-8
//             character (a character is never cut by the forced text).
//   forcing:  forced_token() names the next token of message + end_tag; after the last (-> done).
//   done:     nothing more to do for this request.
// Budget 0 with a prompt that opened the block forces at once; budget 0 otherwise forces as soon
// as the answer opened the block.
//
// Speculative decoding: while the machine is not done, the scheduler drafts nothing (a draft could
// run past the budget in one step); see Scheduler::draft_budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/generation_request.h"

namespace cria {

class ReasoningBudget {
public:
    enum class State { before, counting, forcing, done };

    // `forced`: the tokens of params.message + params.end_tag (as the vocabulary tokenizes that
    // text). A disabled budget, or an empty `forced`, starts done.
    ReasoningBudget(const ReasoningBudgetParams& params, std::vector<Token> forced);

    // The token to emit instead of sampling one, while forcing.
    std::optional<Token> forced_token() const;

    // The token just emitted, and its text (special tokens rendered).
    void observe(const std::string& piece);

    State state() const { return state_; }
    bool done() const { return state_ == State::done; }
    int32_t thinking_tokens() const { return counted_; }  // tokens counted inside the block so far

private:
    void observe_before(const std::string& piece);
    void observe_counting(const std::string& piece);
    void start_forcing_if_spent();

    ReasoningBudgetParams params_;
    std::vector<Token> forced_;
    State state_ = State::done;
    std::string seen_;     // before: the answer's text after leading blanks (shorter than start_tag);
                           // counting: the block's last bytes (enough to find end_tag and cut UTF-8)
    int32_t counted_ = 0;
    size_t next_forced_ = 0;
};

}  // namespace cria
