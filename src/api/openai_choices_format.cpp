#include "api/openai_choices_format.h"

#include "api/completion_response.h"
#include "api/openai_completion.h"

namespace cria {

namespace {

using json = nlohmann::json;

std::string event_or_nothing(const json& payload) { return payload.is_null() ? std::string() : sse_event(payload); }

}  // namespace

OpenAiChoicesFormat::OpenAiChoicesFormat(const std::vector<ChoicePrompt>& prompts, int32_t n, bool include_usage,
                                         OpenAiEnvelope envelope, std::shared_ptr<const TokenPieces> pieces)
    : envelope_(std::move(envelope)), pieces_(std::move(pieces)), include_usage_(include_usage) {
    int32_t index = 0;
    for (const auto& prompt : prompts) {
        for (int32_t k = 0; k < n; ++k) choices_.push_back({index++, prompt.text, prompt.n_tokens, k == 0});
    }
    whole_choices_.resize(choices_.size());
}

std::string OpenAiChoicesFormat::stream_opening() {
    std::string out;
    for (const auto& choice : choices_) out += event_or_nothing(start_chunk(choice));
    return out;
}

std::string OpenAiChoicesFormat::stream_token(size_t task, const TokenChunk& chunk) {
    return event_or_nothing(token_chunk(choices_.at(task), chunk));
}

std::string OpenAiChoicesFormat::stream_end(size_t task, const GenerationRequest&, const CompletionResult& result) {
    count_usage(choices_.at(task), result);
    json chunk = end_chunk(choices_.at(task), result);
    if (chunk.is_object()) chunk["timings"] = timings_json(result.timings);  // as llama-server's last chunk
    return event_or_nothing(chunk);
}

std::string OpenAiChoicesFormat::stream_closing() {
    std::string out;
    if (include_usage_) out += sse_event(envelope(json::array(), openai_usage(prompt_tokens_, completion_tokens_, cached_tokens_)));
    return out + "data: [DONE]\n\n";
}

void OpenAiChoicesFormat::take_result(size_t task, const GenerationRequest&, const CompletionResult& result) {
    count_usage(choices_.at(task), result);
    whole_choices_.at(task) = whole_choice(choices_.at(task), result);
}

json OpenAiChoicesFormat::whole_response() {
    json choices = json::array();
    for (auto& choice : whole_choices_) choices.push_back(std::move(choice));
    json body = envelope(std::move(choices), openai_usage(prompt_tokens_, completion_tokens_, cached_tokens_));
    body["timings"] = timings_json(last_timings_);
    return body;
}

void OpenAiChoicesFormat::count_usage(const Choice& choice, const CompletionResult& result) {
    if (choice.counts_prompt) prompt_tokens_ += choice.prompt_tokens;
    if (choice.counts_prompt) cached_tokens_ += result.timings.cache_n;
    completion_tokens_ += result.timings.predicted_n;
    last_timings_ = result.timings;
}

}  // namespace cria
