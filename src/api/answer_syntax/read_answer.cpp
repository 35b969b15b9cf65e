#include "api/answer_syntax/read_answer.h"

#include "api/answer_syntax/syntaxes.h"

namespace cria {

ThinkTags think_tags(ToolFormat format) {
    switch (format) {
        case ToolFormat::command_r7b: return {"<|START_THINKING|>", "<|END_THINKING|>"};
        case ToolFormat::mistral: return {"[THINK]", "[/THINK]"};
        default: return {"<think>", "</think>"};
    }
}

namespace {

void read_after_reasoning(AnswerParse& p);

// Reasoning from pos() (after the open tag) to the close tag; with deepseek-legacy, the text also
// stays in the content. Returns false when nothing after it can be read yet.
bool read_reasoning_body(AnswerParse& p) {
    const AnswerOptions& o = p.options();
    const ThinkTags tags = think_tags(o.format);
    const size_t from = p.pos();
    const bool closed = p.reasoning_until({tags.close}).found();
    if (closed) p.consume(tags.close);
    if (closed || !p.partial()) p.trim_reasoning();
    // deepseek-legacy: the thinking also stays in the content, tags and all.
    if (o.reasoning == ReasoningFormat::deepseek_legacy) p.add_content(p.text().substr(from, p.pos() - from));
    if (!closed) {
        p.checkpoint([](AnswerParse& q) {
            if (read_reasoning_body(q)) read_after_reasoning(q);
        });
        return false;
    }
    p.skip_spaces();
    return !(p.at_end() && p.partial());
}

// Reasoning at the start of the answer (or the whole answer, when the prompt opened it).
// Returns false when nothing after it can be read yet.
bool read_reasoning(AnswerParse& p) {
    const AnswerOptions& o = p.options();
    if (o.reasoning == ReasoningFormat::none) return true;
    const ThinkTags tags = think_tags(o.format);
    const size_t start = p.pos();
    p.skip_spaces();
    const size_t raw_from = p.pos();
    if (!o.starts_in_reasoning) {
        if (p.could_become(tags.open)) return false;
        if (!p.consume(tags.open)) {
            p.seek(start);
            return true;
        }
    }
    p.skip_spaces();
    if (p.at_end() && p.partial()) return false;
    if (o.reasoning == ReasoningFormat::deepseek_legacy) p.add_content(p.text().substr(raw_from, p.pos() - raw_from));
    return read_reasoning_body(p);
}

void read_calls(AnswerParse& p, ToolFormat format) {
    switch (format) {
        case ToolFormat::hermes: return read_hermes_calls(p);
        case ToolFormat::mistral: return read_mistral_calls(p);
        case ToolFormat::llama3: return read_llama3_calls(p);
        case ToolFormat::qwen3_coder: return read_qwen3_coder_calls(p);
        case ToolFormat::deepseek_r1: return read_deepseek_r1_calls(p);
        case ToolFormat::deepseek_v3_1: return read_deepseek_v3_1_calls(p);
        case ToolFormat::functionary_v3_1: return read_functionary_v3_1_calls(p);
        case ToolFormat::functionary_v3_2: return read_functionary_v3_2_calls(p);
        case ToolFormat::command_r7b: return read_command_r7b_calls(p);
        case ToolFormat::granite: return read_granite_calls(p);
        case ToolFormat::glm_4_5: return read_glm_4_5_calls(p);
        case ToolFormat::kimi_k2: return read_kimi_k2_calls(p);
        case ToolFormat::gpt_oss: return read_harmony(p);
        case ToolFormat::generic: return read_generic_calls(p);
    }
}

void read_after_reasoning(AnswerParse& p) {
    const AnswerOptions& o = p.options();
    if (!o.tools_offered) {
        p.mark_plain();
        read_content_to_end(p);
        return;
    }
    read_calls(p, o.format);
}

}  // namespace

void read_answer(AnswerParse& p, AnswerParse::Resume resume) {
    if (resume != nullptr) return resume(p);
    const AnswerOptions& o = p.options();
    if (!o.parse) {
        p.mark_plain();
        read_content_to_end(p);
        return;
    }
    if (o.format == ToolFormat::gpt_oss) return read_harmony(p);
    if (read_reasoning(p)) read_after_reasoning(p);
}

}  // namespace cria
