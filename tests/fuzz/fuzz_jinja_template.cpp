// The Jinja lexer, parser and renderer on template source from the fuzzer, rendered with a fixed
// conversation (system, user, an assistant tool call, a tool answer, tools offered) the way a chat
// request is rendered. TemplateError is the documented answer to a bad or refusing template;
// anything else, and any render that runs or allocates without bound, is a finding.
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_common.h"
#include "template/chat_template.h"

namespace {

const nlohmann::json& conversation() {
    static const nlohmann::json value = nlohmann::json::parse(R"({
      "messages": [
        {"role": "system", "content": "You can use tools."},
        {"role": "user", "content": "What's the weather in Zürich? <__media__>"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
          "function": {"name": "get_weather", "arguments": {"city": "Zürich", "days": [1, 2.5, true, null]}}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temperature\": 21.5}"},
        {"role": "assistant", "content": "<think>hm</think>It is 21.5 °C.", "reasoning_content": "hm"},
        {"role": "user", "content": [{"type": "text", "text": "Thanks!"}]}
      ],
      "extra": {"bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {
        "name": "get_weather", "description": "Get the weather.", "parameters": {"type": "object",
        "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]}
    })");
    return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string source(reinterpret_cast<const char*>(data), size);
    const nlohmann::json& c = conversation();
    cria::fuzz::expect_only<cria::TemplateError>([&] { cria::render_chat(source, c["messages"], true, c["extra"]); });
    return 0;
}
