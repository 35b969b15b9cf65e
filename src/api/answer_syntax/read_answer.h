// One reading of a whole answer (or of the part generated so far) under AnswerOptions: reasoning
// first, then the family's tool-call syntax. AnswerStream (api/answer_stream.h) is its one user.
#pragma once

#include <string_view>

#include "api/answer_syntax/answer_parse.h"

namespace cria {

// The tags around a family's thinking (<think>, <|START_THINKING|>, [THINK]). The thinking budget
// (frontend/reasoning_budget.cpp) forces the close tag, which must be the one read here.
struct ThinkTags {
    std::string_view open;
    std::string_view close;
};
ThinkTags think_tags(ToolFormat format);

// Reads p.text() from the start, or from p's last checkpoint when `resume` (from p.reread()) is
// set. p.plain_from() is set once all further text is content as it is (no tools offered,
// reasoning over).
void read_answer(AnswerParse& p, AnswerParse::Resume resume);

}  // namespace cria
