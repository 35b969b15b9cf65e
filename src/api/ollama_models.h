// What Ollama's model endpoints say about the one loaded model: /api/tags, /api/show, /api/ps and
// /api/version, and which model names a request may use. Plain data in, JSON out (no HTTP, no
// libllama): the route gathers the facts from the engine.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cria {

// The Ollama API level cria's /api/* routes follow (what /api/version answers).
inline constexpr const char* kOllamaApiVersion = "0.12.0";

struct OllamaModelFacts {
    std::string model_name;   // cria's name for it: --alias, else the model's path
    std::string model_path;
    uint64_t size = 0;        // bytes of weights
    uint64_t n_params = 0;
    int32_t n_ctx_slot = 0;   // a request's context
    std::time_t modified = 0; // the file's modification time
    std::string chat_template;
    std::vector<std::pair<std::string, std::string>> metadata;  // the GGUF's (key, value text)
    bool embedding = false;   // --embedding (or --rerank)
    bool vision = false;      // a projector that reads images
};

// The names a request may give for the loaded model: the alias (or the path) and the file's name
// without ".gguf", each also with Ollama's default tag ":latest". The first is the listed name.
std::vector<std::string> ollama_model_names(const OllamaModelFacts& facts);
bool ollama_model_matches(const OllamaModelFacts& facts, const std::string& requested);

// Throws the 404 Ollama answers for a model it does not have ("model 'x' not found"), or a 400
// when `model` is missing or not a string.
void require_ollama_model(const OllamaModelFacts& facts, const nlohmann::json& body);

// Ollama's number formats: "135.27M", "8.0B"; a file type's name ("F16", "Q8_0", ...).
std::string ollama_parameter_size(uint64_t n_params);
std::string ollama_quantization(const std::vector<std::pair<std::string, std::string>>& metadata);

// RFC 3339 UTC with nanoseconds, as Ollama writes times ("2024-05-01T12:00:00.123456789Z").
std::string ollama_time(std::time_t seconds, int64_t nanoseconds = 0);
std::string ollama_now();

nlohmann::json ollama_details(const OllamaModelFacts& facts);
nlohmann::json ollama_tags(const OllamaModelFacts& facts);     // {"models": [{name, model, modified_at, size, digest, details}]}
nlohmann::json ollama_ps(const OllamaModelFacts& facts);       // {"models": [... expires_at, size_vram, context_length]}
nlohmann::json ollama_show(const OllamaModelFacts& facts);     // {modelfile, parameters, template, details, model_info, capabilities, ...}
nlohmann::json ollama_capabilities(const OllamaModelFacts& facts);

}  // namespace cria
