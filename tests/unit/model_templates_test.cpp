// Real chat templates (tests/templates/models/, sources in SOURCES.md) rendered by our Jinja
// engine with a conversation that has tools, a tool call and its result: each must render, show
// the call and the result, and belong to the family AnswerStream reads it as.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "api/tool_calls.h"
#include "frontend/chat_prompt.h"
#include "template/chat_template.h"

namespace cria {
namespace {

using json = nlohmann::json;

std::string fixture(const std::string& name) {
    const auto path = std::filesystem::path(__FILE__).parent_path().parent_path() / "templates" / "models" / name;
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

const json kTools = json::parse(R"([{"type": "function", "function": {"name": "get_weather",
    "description": "Current weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "the city"}},
                   "required": ["city"]}}}])");

json conversation(bool object_arguments, bool null_content) {
    json messages = json::parse(R"([
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call12345", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "22 degrees and sunny"},
        {"role": "assistant", "content": "It is 22 degrees and sunny."},
        {"role": "user", "content": "Thanks! And tomorrow?"}
    ])");
    return template_messages(ChatSettings{}, messages, object_arguments, null_content);
}

struct Fixture {
    const char* file;
    ToolFormat family;
};

class ModelTemplates : public ::testing::TestWithParam<Fixture> {};

TEST_P(ModelTemplates, RendersToolsACallAndItsResult) {
    const std::string source = fixture(GetParam().file);
    ASSERT_FALSE(source.empty()) << GetParam().file;
    EXPECT_EQ(tool_format_for_template(source), GetParam().family) << GetParam().file;
    const json extra = {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"tools", kTools}};
    // As the front end does (render_chat_prompt): arguments as objects or text, null contents as
    // null or "", the first shape the template takes.
    std::string text;
    std::string errors;
    for (int shape = 0; shape < 4 && text.empty(); ++shape) {
        try {
            text = render_chat(source, conversation(shape % 2 == 0, shape < 2), true, extra);
        } catch (const std::exception& e) {
            errors += std::string(e.what()) + "\n";
        }
    }
    ASSERT_FALSE(text.empty()) << GetParam().file << ": " << errors;
    EXPECT_NE(text.find("get_weather"), std::string::npos) << text;
    EXPECT_NE(text.find("Paris"), std::string::npos) << text;
    EXPECT_NE(text.find("22 degrees and sunny"), std::string::npos) << text;
    EXPECT_NE(text.find("Thanks! And tomorrow?"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, ModelTemplates,
    ::testing::Values(Fixture{"Qwen3.jinja", ToolFormat::hermes}, Fixture{"Hermes-2-Pro.jinja", ToolFormat::hermes},
                      Fixture{"Qwen3-Coder.jinja", ToolFormat::qwen3_coder}, Fixture{"Llama-3.1.jinja", ToolFormat::llama3},
                      Fixture{"Mistral-Nemo.jinja", ToolFormat::mistral},
                      Fixture{"DeepSeek-R1.jinja", ToolFormat::deepseek_r1},
                      Fixture{"DeepSeek-V3.1.jinja", ToolFormat::deepseek_v3_1},
                      Fixture{"Functionary-v3.1.jinja", ToolFormat::functionary_v3_1},
                      Fixture{"Functionary-v3.2.jinja", ToolFormat::functionary_v3_2},
                      Fixture{"Command-R7B.jinja", ToolFormat::command_r7b}, Fixture{"Granite-3.3.jinja", ToolFormat::granite},
                      Fixture{"GLM-4.5.jinja", ToolFormat::glm_4_5}, Fixture{"Kimi-K2.jinja", ToolFormat::kimi_k2},
                      Fixture{"gpt-oss.jinja", ToolFormat::gpt_oss}),
    [](const ::testing::TestParamInfo<Fixture>& param) {
        std::string name = param.param.file;
        name = name.substr(0, name.find(".jinja"));
        for (char& c : name) {
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        }
        return name;
    });

TEST(ModelTemplates, Qwen3EnableThinkingFalseClosesAnEmptyThinkBlock) {
    const std::string source = fixture("Qwen3.jinja");
    const json messages = json::parse(R"([{"role": "user", "content": "Hi"}])");
    const std::string off = render_chat(source, messages, true, {{"enable_thinking", false}});
    EXPECT_NE(off.find("<think>\n\n</think>"), std::string::npos) << off;
    const std::string on = render_chat(source, messages, true, json::object());
    EXPECT_EQ(on.find("<think>"), std::string::npos) << on;
}

}  // namespace
}  // namespace cria
