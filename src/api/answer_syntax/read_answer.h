// One reading of a whole answer (or of the part generated so far) under AnswerOptions: reasoning
// first, then the family's tool-call syntax. AnswerStream (api/answer_stream.h) is its one user.
#pragma once

#include <string_view>

#include "api/answer_stream.h"
#include "api/answer_syntax/answer_parse.h"

namespace cria {

// `*plain_from` (when not null) is set to the offset from which all further text is content as
// it is (no tools offered, reasoning over), or npos while that is not known.
ParsedAnswer read_answer(const AnswerOptions& options, std::string_view text, bool partial, size_t* plain_from);

}  // namespace cria
