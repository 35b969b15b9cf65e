// The tool-call syntaxes of the template families: each reads an answer (after any reasoning)
// from pos() to its end, or to where it must wait for more text (see answer_parse.h for the one
// rule a reader keeps). Text that announces a call but does not hold a well-formed one stays
// content. One file per kind of syntax:
//   json_call_syntaxes.cpp    Hermes / Qwen, generic, Mistral, Llama 3.x, Granite, Command R7B, Functionary v3.2
//   tagged_call_syntaxes.cpp  DeepSeek R1 / V3.1, Kimi K2, Functionary v3.1: a name between markers, JSON arguments
//   xml_call_syntaxes.cpp     Qwen3-Coder, GLM 4.5: arguments as one element per parameter
//   harmony_syntax.cpp        gpt-oss (channels; reasoning included)
#pragma once

#include "api/answer_syntax/answer_parse.h"

namespace cria {

void read_hermes_calls(AnswerParse& p);
void read_generic_calls(AnswerParse& p);
void read_mistral_calls(AnswerParse& p);
void read_llama3_calls(AnswerParse& p);
void read_granite_calls(AnswerParse& p);
void read_command_r7b_calls(AnswerParse& p);
void read_functionary_v3_2_calls(AnswerParse& p);
void read_deepseek_r1_calls(AnswerParse& p);
void read_deepseek_v3_1_calls(AnswerParse& p);
void read_kimi_k2_calls(AnswerParse& p);
void read_functionary_v3_1_calls(AnswerParse& p);
void read_qwen3_coder_calls(AnswerParse& p);
void read_glm_4_5_calls(AnswerParse& p);
// Harmony carries its own reasoning channel (kept in the content with reasoning "none"), and
// reads calls only with tools offered.
void read_harmony(AnswerParse& p);

// A call's name at pos(), ending at `separator` (consumed): a plain identifier (letters, digits,
// _ - . :), at most 128 bytes. more: could still be one; invalid: is not.
Scan read_call_name(AnswerParse& p, std::string_view separator, std::string* name);

}  // namespace cria
