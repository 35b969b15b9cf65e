#include "api/openai_completion_format.h"

namespace cria {

namespace {

using json = nlohmann::json;

json text_choice(int32_t index, const std::string& text, const json& logprobs, const json& finish) {
    return {{"index", index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", finish}};
}

}  // namespace

OpenAiCompletionFormat::OpenAiCompletionFormat(const OpenAiCompletionRequest& request, OpenAiEnvelope envelope,
                                               std::shared_ptr<const TokenPieces> pieces, const std::vector<ChoicePrompt>& prompts)
    : OpenAiChoicesFormat(prompts, request.n, request.include_usage, std::move(envelope), std::move(pieces)),
      echo_(request.echo),
      logprobs_(request.logprobs >= 0) {}

json OpenAiCompletionFormat::one_choice(json choice) const {
    return openai_object_json(envelope_, "text_completion", json::array({std::move(choice)}));
}

json OpenAiCompletionFormat::start_chunk(const Choice& c) {
    return echo_ ? one_choice(text_choice(c.index, c.prompt_text, nullptr, nullptr)) : json(nullptr);
}

json OpenAiCompletionFormat::token_chunk(const Choice& c, const TokenChunk& chunk) {
    const json logprobs = logprobs_ ? openai_logprobs_json(chunk.probabilities, *pieces_, 0) : json(nullptr);
    return one_choice(text_choice(c.index, chunk.text, logprobs, nullptr));
}

json OpenAiCompletionFormat::end_chunk(const Choice& c, const CompletionResult& r) {
    return one_choice(text_choice(c.index, r.unsent_text, nullptr, finish_reason(r.stop_reason)));
}

json OpenAiCompletionFormat::whole_choice(const Choice& c, const CompletionResult& r) {
    const std::string prefix = echo_ ? c.prompt_text : "";
    const json logprobs = logprobs_ ? openai_logprobs_json(r.probabilities, *pieces_, prefix.size()) : json(nullptr);
    return text_choice(c.index, prefix + r.content, logprobs, finish_reason(r.stop_reason));
}

json OpenAiCompletionFormat::envelope(json choices, const json& usage) {
    return openai_object_json(envelope_, "text_completion", std::move(choices), usage);
}

}  // namespace cria
