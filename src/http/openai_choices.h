// The machinery the OpenAI routes share: one engine task per choice, answered whole or as a
// stream of `data:` chunks ending with `[DONE]`. The route gives the shapes (ChoiceFormat).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/server_context.h"

namespace cria {

// One choice being generated.
struct Choice {
    int32_t index = 0;
    std::shared_ptr<Task> task;
    std::string prompt_text;         // for echo
    int64_t prompt_tokens = 0;
    bool counts_prompt = false;      // usage counts each prompt once, not once per choice
};

// How a route shapes its answers. Each function returns one JSON payload (null: send nothing).
struct ChoiceFormat {
    std::function<nlohmann::json(const Choice&)> stream_start;                          // before any token
    std::function<nlohmann::json(const Choice&, const TokenChunk&)> stream_token;
    std::function<nlohmann::json(const Choice&, const CompletionResult&)> stream_end;  // the finish chunk
    std::function<nlohmann::json(const Choice&, const CompletionResult&)> whole_choice; // one element of "choices"
    // The whole response, or (with empty choices) the stream's usage chunk.
    std::function<nlohmann::json(nlohmann::json choices, const nlohmann::json& usage)> envelope;
};

// Submits `n` choices for each prompt (a seeded request gets seed + i for choice i, so they differ).
std::vector<Choice> submit_choices(ServerContext& context, const std::vector<GenerationRequest>& prompts,
                                   const std::vector<std::string>& prompt_texts, int32_t n);

void respond_whole(const httplib::Request& req, httplib::Response& res, std::vector<Choice>& choices,
                   const ChoiceFormat& format);

void respond_stream(httplib::Response& res, std::vector<Choice> choices, ChoiceFormat format, bool include_usage);

nlohmann::json openai_usage(int64_t prompt_tokens, int64_t completion_tokens);

}  // namespace cria
