#include "api/completion_prompts.h"

#include <algorithm>
#include <cstdint>

#include "api/api_error.h"
#include "api/chat_media_part.h"

namespace cria {

namespace {

using nlohmann::json;

const char* const kShape =
    "'prompt' must be a string, a list of token ids and strings, an object {\"prompt_string\": \"...\", "
    "\"multimodal_data\": [\"<base64>\"]}, or a list of such prompts";

// One prompt of token ids and strings mixed: [12, "text", 34].
std::vector<PromptPart> mixed_parts(const json& list) { return prompt_parts(list, kShape, "prompt"); }

// {"prompt_string": "...", "multimodal_data": ["<base64>", ...]}. `files` counts the request's
// media so far (the earlier prompts' too), so that the limits hold for the whole request.
CompletionPrompt object_prompt(const json& object, MediaCount& files, const RequestLimits& limits) {
    const auto text = object.find("prompt_string");
    if (text == object.end() || !text->is_string()) {
        throw invalid_request("'prompt': a prompt object needs a string 'prompt_string' (" + std::string(kShape) + ")", "prompt");
    }
    CompletionPrompt prompt;
    prompt.parts.emplace_back(text->get<std::string>());
    const auto data = object.find("multimodal_data");
    if (data == object.end() || data->is_null()) return prompt;
    if (!data->is_array()) throw invalid_request("'prompt.multimodal_data' must be an array of base64 strings", "prompt");
    for (size_t i = 0; i < data->size(); ++i) {
        check_media_count(files.images + files.videos, limits, "prompt");
        const json& item = (*data)[i];
        const std::string field = "prompt.multimodal_data[" + std::to_string(i) + "]";
        if (!item.is_string()) throw invalid_request("'" + field + "' must be a base64 string", "prompt");
        auto bytes = decode_base64(item.get<std::string>());
        if (!bytes || bytes->empty()) throw invalid_request("'" + field + "' is not valid base64", "prompt");
        ImageFile file = media_file(std::move(*bytes), field, files, limits, /*image_unless_video=*/true, "prompt");
        ++(file.video ? files.videos : files.images);
        file.id = static_cast<int64_t>(prompt.media.size());  // its place among this prompt's markers
        prompt.media.push_back(std::move(file));
    }
    return prompt;
}

}  // namespace

size_t count_completion_prompts(const json& prompt) {
    if (!prompt.is_array() || prompt.empty()) return 1;
    const bool mixed = std::any_of(prompt.begin(), prompt.end(), [](const json& v) { return v.is_number(); });
    return mixed ? 1 : prompt.size();
}

std::vector<CompletionPrompt> parse_completion_prompts(const json& prompt, const RequestLimits& limits) {
    std::vector<CompletionPrompt> prompts;
    if (prompt.is_string()) {
        prompts.push_back({{prompt.get<std::string>()}, {}});
        return prompts;
    }
    MediaCount files;  // every prompt's media so far: the request's limits count them all
    if (prompt.is_object()) {
        prompts.push_back(object_prompt(prompt, files, limits));
        return prompts;
    }
    if (!prompt.is_array()) throw invalid_request(kShape, "prompt");
    const bool mixed = std::any_of(prompt.begin(), prompt.end(), [](const json& v) { return v.is_number(); });
    if (mixed || prompt.empty()) {
        prompts.push_back({mixed_parts(prompt), {}});
        return prompts;
    }
    for (const auto& item : prompt) {
        if (item.is_string()) {
            prompts.push_back({{item.get<std::string>()}, {}});
        } else if (item.is_array()) {
            prompts.push_back({mixed_parts(item), {}});
        } else if (item.is_object()) {
            prompts.push_back(object_prompt(item, files, limits));
        } else {
            throw invalid_request(kShape, "prompt");
        }
    }
    return prompts;
}

}  // namespace cria
