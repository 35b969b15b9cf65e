// The data of llama-server 0.7's presets: repositories, files and values as its common/arg.cpp sets
// them (ggml-org/llama.cpp, the "presets" block at the end of common_params_parser_init), checked
// against the installed /usr/bin/llama-server (its strings, and the port, slots, context and sampling
// it started with from a loopback hub).
//
// What differs in form, not in effect:
// - The draft model of the -spec presets: llama-server sets the draft's repository and file
//   directly; here -hfd REPO:Q8_0 names the same file (the repository holds that one GGUF).
// - --spec-default adds the ngram-mod kind to the speculative types; here it sets --spec-type
//   ngram-mod (the kinds given before it are replaced, as --spec-type replaces them).
// - --embd-gemma-default also turns on llama-server's verbose prompt printing, which is not a
//   server option: nothing to set.
#include "options/model_presets.h"

namespace cria::options {

namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

// The Qwen Coder presets for llama.vim's fill-in-the-middle: port 8012, batches of 1024, the full
// training context, and reuse of cached chunks of 256 tokens.
Settings fim(const std::string& repo, const std::string& file, const std::string& draft_repo = "") {
    Settings s = {{"--hf-repo", repo}, {"--hf-file", file}};
    if (!draft_repo.empty()) s.push_back({"--hf-repo-draft", draft_repo});
    const Settings rest = {{"--port", "8012"}, {"--ubatch-size", "1024"}, {"--batch-size", "1024"},
                           {"--ctx-size", "0"}, {"--cache-reuse", "256"}};
    s.insert(s.end(), rest.begin(), rest.end());
    return s;
}

// gpt-oss: port 8013, two slots of the full 131072-token context, the model card's sampling.
Settings gpt_oss(const std::string& repo, const std::string& file) {
    Settings s = {{"--hf-repo", repo}};
    if (!file.empty()) s.push_back({"--hf-file", file});
    const Settings rest = {{"--port", "8013"},       {"--ubatch-size", "2048"}, {"--batch-size", "32768"},
                           {"--parallel", "2"},      {"--ctx-size", "262144"},  {"--temp", "1.0"},
                           {"--top-p", "1.0"},       {"--top-k", "0"},          {"--min-p", "0.01"},
                           {"--jinja", "true"}};
    s.insert(s.end(), rest.begin(), rest.end());
    return s;
}

// Gemma 3 QAT with its projector (the repository's, downloaded with it): port 8014.
Settings vision(const std::string& repo) {
    return {{"--hf-repo", repo}, {"--port", "8014"}, {"--ctx-size", "0"}, {"--jinja", "true"}};
}

const char* const kDraft05B = "ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF:Q8_0";

}  // namespace

const std::vector<ModelPreset>& model_presets() {
    static const std::vector<ModelPreset> presets = {
        {"--embd-gemma-default", "the EmbeddingGemma model",
         {{"--hf-repo", "ggml-org/embeddinggemma-300M-qat-q4_0-GGUF"},
          {"--hf-file", "embeddinggemma-300M-qat-Q4_0.gguf"},
          {"--port", "8011"},
          {"--ubatch-size", "2048"},
          {"--batch-size", "2048"},
          {"--parallel", "32"},
          {"--ctx-size", "65536"},
          {"--embedding", "true"}}},
        {"--fim-qwen-1.5b-default", "Qwen 2.5 Coder 1.5B",
         fim("ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF", "qwen2.5-coder-1.5b-q8_0.gguf")},
        {"--fim-qwen-3b-default", "Qwen 2.5 Coder 3B",
         fim("ggml-org/Qwen2.5-Coder-3B-Q8_0-GGUF", "qwen2.5-coder-3b-q8_0.gguf")},
        {"--fim-qwen-7b-default", "Qwen 2.5 Coder 7B",
         fim("ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF", "qwen2.5-coder-7b-q8_0.gguf")},
        {"--fim-qwen-7b-spec", "Qwen 2.5 Coder 7B with the 0.5B as draft model for speculative decoding",
         fim("ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF", "qwen2.5-coder-7b-q8_0.gguf", kDraft05B)},
        {"--fim-qwen-14b-spec", "Qwen 2.5 Coder 14B with the 0.5B as draft model for speculative decoding",
         fim("ggml-org/Qwen2.5-Coder-14B-Q8_0-GGUF", "qwen2.5-coder-14b-q8_0.gguf", kDraft05B)},
        {"--fim-qwen-30b-default", "Qwen 3 Coder 30B A3B Instruct",
         fim("ggml-org/Qwen3-Coder-30B-A3B-Instruct-Q8_0-GGUF", "qwen3-coder-30b-a3b-instruct-q8_0.gguf")},
        {"--gpt-oss-20b-default", "gpt-oss-20b", gpt_oss("ggml-org/gpt-oss-20b-GGUF", "gpt-oss-20b-mxfp4.gguf")},
        {"--gpt-oss-120b-default", "gpt-oss-120b", gpt_oss("ggml-org/gpt-oss-120b-GGUF", "")},
        {"--vision-gemma-4b-default", "Gemma 3 4B QAT", vision("ggml-org/gemma-3-4b-it-qat-GGUF")},
        {"--vision-gemma-12b-default", "Gemma 3 12B QAT", vision("ggml-org/gemma-3-12b-it-qat-GGUF")},
        {"--spec-default", "llama-server's default speculative decoding",
         {{"--spec-type", "ngram-mod"},
          {"--spec-ngram-mod-n-match", "24"},
          {"--spec-ngram-mod-n-min", "48"},
          {"--spec-ngram-mod-n-max", "64"}}},
    };
    return presets;
}

}  // namespace cria::options
