#include "api/ollama_models.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "api/api_error.h"

namespace cria {

namespace {

using json = nlohmann::json;

std::string basename_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::string ext = ".gguf";
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
        name.resize(name.size() - ext.size());
    }
    return name;
}

std::string with_tag(const std::string& name) { return name.find(':') == std::string::npos ? name + ":latest" : name; }

std::string metadata_value(const OllamaModelFacts& facts, const std::string& key) {
    for (const auto& [k, v] : facts.metadata) {
        if (k == key) return v;
    }
    return "";
}

// A metadata value as JSON: libllama gives text; numbers and booleans become what they are.
json typed_value(const std::string& text) {
    if (text == "true" || text == "false") return text == "true";
    if (!text.empty()) {
        char* end = nullptr;
        const long long i = std::strtoll(text.c_str(), &end, 10);
        if (end != nullptr && *end == '\0') return i;
        const double d = std::strtod(text.c_str(), &end);
        if (end != nullptr && *end == '\0') return d;
    }
    return text;
}

// An identifier of the loaded file (Ollama's is its blob's sha256; hashing gigabytes per request
// is not worth it): 64 hex digits from its path, size, parameters and time.
std::string model_digest(const OllamaModelFacts& facts) {
    const std::string key = facts.model_path + "\n" + std::to_string(facts.size) + "\n" + std::to_string(facts.n_params) +
                            "\n" + std::to_string(static_cast<long long>(facts.modified));
    std::string hex;
    for (uint64_t round = 0; round < 4; ++round) {
        uint64_t h = 1469598103934665603ULL ^ (round * 0x9E3779B97F4A7C15ULL);
        for (const char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
        char part[17];
        std::snprintf(part, sizeof(part), "%016llx", static_cast<unsigned long long>(h));
        hex += part;
    }
    return hex;
}

json listed_model(const OllamaModelFacts& facts) {
    const std::string name = ollama_model_names(facts).front();
    return {{"name", name},
            {"model", name},
            {"modified_at", ollama_time(facts.modified)},
            {"size", facts.size},
            {"digest", model_digest(facts)},
            {"details", ollama_details(facts)}};
}

}  // namespace

std::vector<std::string> ollama_model_names(const OllamaModelFacts& facts) {
    std::vector<std::string> names;
    auto add = [&names](const std::string& name) {
        for (const std::string& n : {with_tag(name), name}) {
            if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
    };
    const bool aliased = facts.model_name != facts.model_path;
    add(aliased ? facts.model_name : basename_of(facts.model_path));
    add(facts.model_name);
    add(basename_of(facts.model_path));
    return names;
}

bool ollama_model_matches(const OllamaModelFacts& facts, const std::string& requested) {
    const auto names = ollama_model_names(facts);
    return std::find(names.begin(), names.end(), requested) != names.end();
}

void require_ollama_model(const OllamaModelFacts& facts, const json& body) {
    const auto it = body.find("model");
    if (it == body.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
        throw invalid_request("model is required", "model");
    }
    if (!it->is_string()) throw invalid_request("'model' must be a string", "model");
    const std::string name = it->get<std::string>();
    if (!ollama_model_matches(facts, name)) throw not_found_error("model '" + name + "' not found");
}

std::string ollama_parameter_size(uint64_t n) {
    char text[32];
    const double v = static_cast<double>(n);
    if (v >= 1e9) {
        std::snprintf(text, sizeof(text), "%.1fB", v / 1e9);
    } else if (v >= 1e6) {
        std::snprintf(text, sizeof(text), "%.2fM", v / 1e6);
    } else {
        std::snprintf(text, sizeof(text), "%.2fK", v / 1e3);
    }
    return text;
}

std::string ollama_quantization(const std::vector<std::pair<std::string, std::string>>& metadata) {
    // general.file_type is llama.cpp's LLAMA_FTYPE_* number.
    static const std::pair<int, const char*> names[] = {
        {0, "F32"},     {1, "F16"},     {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},    {8, "Q5_0"},
        {9, "Q5_1"},    {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"},
        {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"}, {18, "Q6_K"},   {32, "BF16"},
    };
    for (const auto& [key, value] : metadata) {
        if (key != "general.file_type") continue;
        const int type = std::atoi(value.c_str());
        for (const auto& [n, name] : names) {
            if (n == type) return name;
        }
        return "unknown";
    }
    return "unknown";
}

std::string ollama_time(std::time_t seconds, int64_t nanoseconds) {
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char date[32];
    std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &utc);
    char fraction[16];
    std::snprintf(fraction, sizeof(fraction), ".%09lld", static_cast<long long>(nanoseconds));
    return std::string(date) + fraction + "Z";
}

std::string ollama_now() {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
    return ollama_time(static_cast<std::time_t>(ns / 1000000000), ns % 1000000000);
}

json ollama_details(const OllamaModelFacts& facts) {
    const std::string family = metadata_value(facts, "general.architecture");
    return {{"parent_model", ""},
            {"format", "gguf"},
            {"family", family},
            {"families", family.empty() ? json(nullptr) : json::array({family})},
            {"parameter_size", ollama_parameter_size(facts.n_params)},
            {"quantization_level", ollama_quantization(facts.metadata)}};
}

json ollama_tags(const OllamaModelFacts& facts) { return {{"models", json::array({listed_model(facts)})}}; }

json ollama_ps(const OllamaModelFacts& facts) {
    json model = listed_model(facts);
    model.erase("modified_at");
    model["expires_at"] = ollama_time(253402300799);  // 9999-12-31: loaded until the server stops
    model["size_vram"] = 0;
    model["context_length"] = facts.n_ctx_slot;
    return {{"models", json::array({model})}};
}

json ollama_capabilities(const OllamaModelFacts& facts) {
    if (facts.embedding) return json::array({"embedding"});
    json caps = json::array({"completion"});
    if (facts.chat_template.find("tools") != std::string::npos) caps.push_back("tools");
    if (facts.vision) caps.push_back("vision");
    if (facts.chat_template.find("<think>") != std::string::npos || facts.chat_template.find("enable_thinking") != std::string::npos) {
        caps.push_back("thinking");
    }
    return caps;
}

json ollama_show(const OllamaModelFacts& facts) {
    json info = json::object();
    for (const auto& [key, value] : facts.metadata) {
        if (key.rfind("tokenizer.chat_template", 0) == 0) continue;  // it is `template`
        info[key] = typed_value(value);
    }
    info["general.parameter_count"] = facts.n_params;
    return {{"license", metadata_value(facts, "general.license")},
            {"modelfile", "# Served by cria: the model as loaded, not an Ollama Modelfile\nFROM " + facts.model_path + "\n"},
            {"parameters", ""},
            {"template", facts.chat_template},
            {"details", ollama_details(facts)},
            {"model_info", info},
            {"capabilities", ollama_capabilities(facts)},
            {"modified_at", ollama_time(facts.modified)}};
}

}  // namespace cria
