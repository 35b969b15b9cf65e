// Ollama's /api/chat, /api/generate, /api/embed and /api/embeddings requests, parsed into cria's
// own typed requests: a chat becomes the OpenAI-shaped body that parse_chat_request() validates
// (one front end for every chat dialect), generate a CompletionRequest whose prompt the route
// renders (api/ollama_template.h, or the model's chat template), embeddings an EmbeddingRequest.
//
// Every error is an ApiError naming the Ollama field ("options.num_predict", "messages",
// "format", ...); the route renders it as Ollama's {"error": "..."}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/completion_request.h"
#include "api/embedding_api.h"
#include "api/openai_chat.h"

namespace cria {

// `options` as cria's native request fields (n_predict, temperature, stop, ...). Unknown options
// are ignored, as Ollama does; load-time options (num_ctx, num_gpu, use_mmap, ...) are type-checked
// and ignored (the model is loaded once, at start-up). A value of the wrong type is a 400 naming
// "options.<name>". `for_chat`: num_predict becomes max_tokens (the chat parser's field).
nlohmann::json ollama_options_to_native(const nlohmann::json& body, bool for_chat);

// Renames the native fields in an error of a native parser given the mapped options back to the
// Ollama option they came from ('n_predict' -> 'options.num_predict').
void rename_native_fields(ApiError& error);

// `format`: "json" -> {"type": "object"}; a JSON schema as it is; absent, null or "" -> null.
// Anything else is a 400 naming "format".
nlohmann::json ollama_format_schema(const nlohmann::json& body);

// `think`: true/false, or "high" / "medium" / "low". Sets the dialect-neutral fields of ChatRequest
// (enable_thinking, reasoning_effort; a budget of 0 for false).
void apply_ollama_think(const nlohmann::json& body, ChatRequest* request);

// /api/chat. `raw_body` is the text of `body` (a schema's property order is kept from it).
ChatRequest parse_ollama_chat(const nlohmann::json& body, const CompletionDefaults& defaults,
                              const std::string& raw_body);

// The Ollama messages as OpenAI chat messages: images become image_url parts, tool_calls get
// OpenAI's shape (arguments as JSON text), tool_name becomes name, thinking reasoning_content.
nlohmann::json ollama_messages_to_openai(const nlohmann::json& body);

// /api/generate.
struct OllamaGenerateRequest {
    std::string prompt;
    std::string system;            // "" = none
    std::optional<std::string> template_text;  // `template`: Ollama's Go template (a subset)
    bool raw = false;              // the prompt as it is, no template
    std::vector<Token> context;    // `context`: tokens of an earlier answer, put before the prompt
    std::vector<ImageFile> images; // base64 `images`, ids 0..n-1 (the prompt refers to them as [img-N])
    bool load_only = false;        // empty prompt: Ollama's "load the model" request
    bool unload = false;           // ... with keep_alive 0: the "unload" answer
    CompletionRequest options;     // sampling, stop, n_predict, stream (prompt set by the route)
    ChatRequest think;             // only its chat_template_kwargs / reasoning_budget (from `think`)
};

OllamaGenerateRequest parse_ollama_generate(const nlohmann::json& body, const CompletionDefaults& defaults,
                                            const std::string& raw_body);

// The native completion body of a generate request: its mapped options, `prompt` (the rendered
// text after the context tokens) and `json_schema` from `format`. Public for the route, which
// renders the prompt before parsing.
nlohmann::json ollama_generate_native(const nlohmann::json& body, const std::vector<Token>& context,
                                      const std::string& prompt_text);

// /api/embed: `input` as a string or a list of strings (at most limits.max_embedding_inputs);
// `dimensions` (0 = all) cuts each vector to that many values, renormalized.
struct OllamaEmbedRequest {
    EmbeddingRequest embedding;
    int32_t dimensions = 0;
};
OllamaEmbedRequest parse_ollama_embed(const nlohmann::json& body, const RequestLimits& limits);

// /api/embeddings: `prompt`, one string (empty: no input at all).
EmbeddingRequest parse_ollama_embeddings(const nlohmann::json& body);

// Checks `keep_alive` (a number of seconds or a duration string; accepted, not acted on) and
// returns whether it asks to unload (0).
bool ollama_keep_alive_is_zero(const nlohmann::json& body);

}  // namespace cria
