// Which family a chat template belongs to, told by the markup it writes for calls. The checks go
// from the most specific markup to the least (Qwen3-Coder's and GLM's templates also write
// <tool_call>; Functionary v3.1's also mentions ipython).
#include "api/tool_calls.h"

namespace cria {

namespace {

bool has(const std::string& text, const char* what) { return text.find(what) != std::string::npos; }

}  // namespace

const char* tool_format_name(ToolFormat format) {
    switch (format) {
        case ToolFormat::hermes: return "hermes";
        case ToolFormat::mistral: return "mistral";
        case ToolFormat::llama3: return "llama3";
        case ToolFormat::qwen3_coder: return "qwen3-coder";
        case ToolFormat::deepseek_r1: return "deepseek-r1";
        case ToolFormat::deepseek_v3_1: return "deepseek-v3.1";
        case ToolFormat::functionary_v3_1: return "functionary-v3.1";
        case ToolFormat::functionary_v3_2: return "functionary-v3.2";
        case ToolFormat::command_r7b: return "command-r7b";
        case ToolFormat::granite: return "granite";
        case ToolFormat::glm_4_5: return "glm-4.5";
        case ToolFormat::kimi_k2: return "kimi-k2";
        case ToolFormat::gpt_oss: return "gpt-oss";
        case ToolFormat::generic: return "generic";
    }
    return "generic";
}

ToolFormat tool_format_for_template(const std::string& t) {
    if (has(t, "<|channel|>") && has(t, "<|message|>")) return ToolFormat::gpt_oss;
    if (has(t, "<function=") && has(t, "<parameter=")) return ToolFormat::qwen3_coder;
    if (has(t, "<arg_key>")) return ToolFormat::glm_4_5;
    if (has(t, "<|tool_call_begin|>") || has(t, "<|tool_calls_section_begin|>")) return ToolFormat::kimi_k2;
    if (has(t, "tool\xe2\x96\x81""call\xe2\x96\x81""begin")) {  // tool▁call▁begin
        return has(t, "```json") ? ToolFormat::deepseek_r1 : ToolFormat::deepseek_v3_1;
    }
    if (has(t, "<|START_ACTION|>")) return ToolFormat::command_r7b;
    if (has(t, "<|tool_call|>")) return ToolFormat::granite;
    if (has(t, ">>>all")) return ToolFormat::functionary_v3_2;
    if (has(t, "<function=") && has(t, "<|start_header_id|>")) return ToolFormat::functionary_v3_1;
    if (has(t, "[TOOL_CALLS]")) return ToolFormat::mistral;
    if (has(t, "<tool_call>")) return ToolFormat::hermes;
    if (has(t, "<|python_tag|>") || has(t, "ipython")) return ToolFormat::llama3;
    return ToolFormat::generic;
}

}  // namespace cria
