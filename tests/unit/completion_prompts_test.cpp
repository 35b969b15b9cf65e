// /completion's prompt shapes (api/completion_prompts.h): one prompt or several, read as
// llama-server 0.7 reads them, and the media of multimodal_data held to the request's limits.
#include "api/completion_prompts.h"

#include <gtest/gtest.h>

#include <string>

#include "api/api_error.h"
#include "api_error_of.h"

namespace cria {
namespace {

using nlohmann::json;

// A 2x2 PNG as short as its header (what the image checks read), in base64.
const char* const kPngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAAA==";

TEST(CompletionPrompts, OnePromptOrSeveral) {
    EXPECT_EQ(count_completion_prompts(json("text")), 1u);
    EXPECT_EQ(count_completion_prompts(json::array({12, "text", 34})), 1u);  // ids and text: one prompt
    EXPECT_EQ(count_completion_prompts(json::array({"a", "b"})), 2u);
    EXPECT_EQ(count_completion_prompts(json::array({"a", json::array({1, 2}), json{{"prompt_string", "c"}}})), 3u);
    const auto several = parse_completion_prompts(json::array({"a", json::array({1, "b"}), json{{"prompt_string", "c"}}}), {});
    ASSERT_EQ(several.size(), 3u);
    EXPECT_EQ(std::get<std::string>(several[0].parts.at(0)), "a");
    EXPECT_EQ(std::get<Token>(several[1].parts.at(0)), 1);
    EXPECT_EQ(std::get<std::string>(several[1].parts.at(1)), "b");
    EXPECT_EQ(std::get<std::string>(several[2].parts.at(0)), "c");
    const auto mixed = parse_completion_prompts(json::array({12, "text"}), {});
    ASSERT_EQ(mixed.size(), 1u);
    EXPECT_EQ(mixed[0].parts.size(), 2u);
}

TEST(CompletionPrompts, BadShapesName400Prompt) {
    for (const json& bad : {json(5), json::array({1, json::array({2})}), json::array({true}), json{{"prompt_string", 3}},
                            json{{"multimodal_data", json::array()}}, json{{"prompt_string", "x"}, {"multimodal_data", "y"}},
                            json{{"prompt_string", "x"}, {"multimodal_data", json::array({"@@"})}}}) {
        const ApiError e = error_of([&] { parse_completion_prompts(bad, {}); });
        EXPECT_EQ(e.status, 400) << bad.dump();
        EXPECT_EQ(e.param, "prompt") << bad.dump();
    }
}

TEST(CompletionPrompts, MultimodalDataIsCountedOverThePrompts) {
    RequestLimits limits;
    limits.max_images = 2;
    limits.max_videos = 0;
    const json one = {{"prompt_string", "<__media__>"}, {"multimodal_data", json::array({kPngBase64})}};
    const auto two = parse_completion_prompts(json::array({one, one}), limits);
    ASSERT_EQ(two.size(), 2u);
    ASSERT_EQ(two[1].media.size(), 1u);
    EXPECT_FALSE(two[1].media[0].video);
    EXPECT_EQ(two[1].media[0].id, 0);  // its place among its own prompt's markers
    // A third image, in a third prompt, is over --max-images for the request.
    const ApiError e = error_of([&] { parse_completion_prompts(json::array({one, one, one}), limits); });
    EXPECT_EQ(e.param, "prompt");
    EXPECT_NE(e.message.find("media files"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace cria
