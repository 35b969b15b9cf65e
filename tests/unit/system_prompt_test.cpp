// Tests of parse_system_prompt() and parse_system_prompt_file() (src/api/system_prompt.h).
#include <gtest/gtest.h>

#include <string>

#include "api/system_prompt.h"

namespace {

using cria::ApiError;
using json = nlohmann::json;

std::string param_of(const json& value) {
    try {
        cria::parse_system_prompt(value);
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status, 400);
        EXPECT_NE(e.message.find(e.param), std::string::npos) << e.message;
        return e.param;
    }
    return "(accepted)";
}

TEST(SystemPrompt, ObjectAndStringForms) {
    const auto s = cria::parse_system_prompt(
        json{{"prompt", "Transcript.\nUser:"}, {"anti_prompt", "User:"}, {"assistant_name", "Assistant:"}});
    EXPECT_EQ(s.prompt, "Transcript.\nUser:");
    EXPECT_EQ(s.anti_prompt, "User:");
    EXPECT_EQ(s.assistant_name, "Assistant:");
    const auto bare = cria::parse_system_prompt(json("Be brief."));
    EXPECT_EQ(bare.prompt, "Be brief.");
    EXPECT_EQ(bare.anti_prompt, "");
}

TEST(SystemPrompt, ErrorsNameTheMember) {
    EXPECT_EQ(param_of(json::object()), "system_prompt.prompt");
    EXPECT_EQ(param_of(json{{"prompt", 3}}), "system_prompt.prompt");
    EXPECT_EQ(param_of(json{{"prompt", "x"}, {"anti_prompt", false}}), "system_prompt.anti_prompt");
    EXPECT_EQ(param_of(json{{"prompt", "x"}, {"assistant_name", json::array()}}), "system_prompt.assistant_name");
    EXPECT_EQ(param_of(json{{"prompt", "x"}, {"antiprompt", "User:"}}), "system_prompt");
    EXPECT_EQ(param_of(json(5)), "system_prompt");
}

TEST(SystemPrompt, FileFormats) {
    EXPECT_EQ(cria::parse_system_prompt_file(R"({"prompt": "a", "anti_prompt": "U:"})").anti_prompt, "U:");
    EXPECT_EQ(cria::parse_system_prompt_file(R"({"system_prompt": {"prompt": "b"}})").prompt, "b");
    EXPECT_THROW(cria::parse_system_prompt_file("not json"), ApiError);
    EXPECT_THROW(cria::parse_system_prompt_file("[1]"), ApiError);
    EXPECT_THROW(cria::parse_system_prompt_file(R"({"anti_prompt": "U:"})"), ApiError);
}

}  // namespace
