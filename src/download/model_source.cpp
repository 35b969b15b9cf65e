#include "download/model_source.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>

#include <nlohmann/json.hpp>

namespace cria::download {

namespace {

std::optional<std::string> non_empty(const EnvLookup& env, const char* name) {
    if (!env) return std::nullopt;
    auto value = env(name);
    if (!value || value->empty()) return std::nullopt;
    return value;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool contains_ci(const std::string& haystack, const std::string& needle) {
    return lower(haystack).find(lower(needle)) != std::string::npos;
}

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ends_with_ci(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && lower(s.substr(s.size() - suffix.size())) == suffix;
}

bool is_repo_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

bool valid_repo_part(const std::string& part) {
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
        if (!is_repo_name_char(c)) return false;
    }
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string without_trailing_slashes(std::string s) {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
}

}  // namespace

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value) return std::nullopt;
        return std::string(value);
    };
}

std::string cache_dir(const EnvLookup& env) {
    if (auto dir = non_empty(env, "LLAMA_CACHE")) return without_trailing_slashes(*dir);
    if (auto xdg = non_empty(env, "XDG_CACHE_HOME")) return without_trailing_slashes(*xdg) + "/llama.cpp";
    if (auto home = non_empty(env, "HOME")) return without_trailing_slashes(*home) + "/.cache/llama.cpp";
    return "";
}

std::string hf_endpoint(const EnvLookup& env) {
    std::string endpoint;
    if (auto e = non_empty(env, "HF_ENDPOINT")) {
        endpoint = *e;
    } else if (auto m = non_empty(env, "MODEL_ENDPOINT")) {
        endpoint = *m;
    } else {
        endpoint = kDefaultHfEndpoint;
    }
    return without_trailing_slashes(endpoint) + "/";
}

std::optional<HfRepo> parse_hf_repo(const std::string& text, std::string* error) {
    HfRepo out;
    std::string repo = text;
    const auto colon = text.find(':');
    if (colon != std::string::npos) {
        repo = text.substr(0, colon);
        out.tag = text.substr(colon + 1);
        if (out.tag.empty() || out.tag.find_first_of(":/") != std::string::npos) {
            *error = "expected <user>/<model>[:quant], e.g. ggml-org/gemma-3-1b-it-GGUF:Q4_K_M";
            return std::nullopt;
        }
    }
    const auto slash = repo.find('/');
    if (slash == std::string::npos || !valid_repo_part(repo.substr(0, slash)) ||
        !valid_repo_part(repo.substr(slash + 1))) {
        *error = "expected <user>/<model>[:quant], e.g. ggml-org/gemma-3-1b-it-GGUF:Q4_K_M";
        return std::nullopt;
    }
    out.repo = repo;
    return out;
}

std::string hf_file_url(const std::string& endpoint, const std::string& repo, const std::string& file) {
    return without_trailing_slashes(endpoint) + "/" + repo + "/resolve/main/" + file;
}

std::string hf_tree_url(const std::string& endpoint, const std::string& repo) {
    return without_trailing_slashes(endpoint) + "/api/models/" + repo + "/tree/main?recursive=true";
}

std::string hf_cache_file_name(const std::string& repo, const std::string& file) {
    std::string prefix = repo;
    for (auto& c : prefix) {
        if (c == '/') c = '_';
    }
    return prefix + "_" + base_name(file);
}

bool is_projector_file(const std::string& path) {
    return ends_with_ci(path, ".gguf") && contains_ci(base_name(path), "mmproj");
}

std::optional<RepoGgufFiles> gguf_files_in_tree(const std::string& tree_json) {
    const auto tree = nlohmann::json::parse(tree_json, nullptr, /*allow_exceptions=*/false);
    if (!tree.is_array()) return std::nullopt;
    RepoGgufFiles files;
    for (const auto& item : tree) {
        if (!item.is_object()) continue;
        const auto type = item.find("type");
        const auto path = item.find("path");
        if (type == item.end() || !type->is_string() || *type != "file") continue;
        if (path == item.end() || !path->is_string()) continue;
        const std::string p = path->get<std::string>();
        if (!ends_with_ci(p, ".gguf")) continue;
        (is_projector_file(p) ? files.projectors : files.models).push_back(p);
    }
    return files;
}

std::string choose_hf_file(const std::vector<std::string>& files, const std::string& tag, std::string* error) {
    if (files.empty()) {
        *error = "the repository has no .gguf model file";
        return "";
    }
    std::string chosen;
    const std::string wanted = tag.empty() ? "Q4_K_M" : tag;
    for (const auto& f : files) {
        if (contains_ci(base_name(f), wanted)) {
            chosen = f;
            break;
        }
    }
    if (chosen.empty()) {
        if (!tag.empty()) {
            std::string names;
            for (const auto& f : files) names += (names.empty() ? "" : ", ") + base_name(f);
            *error = "no .gguf file matches the quantization '" + tag + "' (files: " + names + ")";
            return "";
        }
        chosen = files.front();
    }
    static const std::regex split_part(R"(-\d{5}-of-\d{5}\.gguf$)", std::regex::icase);
    if (std::regex_search(chosen, split_part)) {
        *error = "'" + chosen +
                 "' is one part of a split model; cria downloads single-file models only (download the parts "
                 "yourself and start with -m on the first one)";
        return "";
    }
    return chosen;
}

int quant_bits(const std::string& path) {
    std::string name = base_name(path);
    if (!ends_with_ci(name, ".gguf")) return 0;
    name.resize(name.size() - 5);
    static const std::regex split_part(R"(-\d{5}-of-\d{5}$)", std::regex::icase);
    name = std::regex_replace(name, split_part, "");
    // The last word: letters, digits and '_' after the last '-' or '.'.
    size_t start = name.size();
    while (start > 0 && (std::isalnum(static_cast<unsigned char>(name[start - 1])) || name[start - 1] == '_')) --start;
    if (start == name.size() || start == 0 || (name[start - 1] != '-' && name[start - 1] != '.')) return 0;
    const size_t digit = name.find_first_of("0123456789", start);
    if (digit == std::string::npos) return 0;
    int bits = 0;
    for (size_t i = digit; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) && bits < 100000; ++i) {
        bits = bits * 10 + (name[i] - '0');
    }
    return bits;
}

std::string choose_projector(const std::vector<std::string>& projectors, const std::string& model) {
    const auto model_slash = model.find_last_of('/');
    const std::string model_dir = model_slash == std::string::npos ? "" : model.substr(0, model_slash + 1);
    const int model_bits = quant_bits(model);
    std::string best;
    size_t best_depth = 0;
    int best_diff = 0;
    for (const auto& p : projectors) {
        const auto slash = p.find_last_of('/');
        const std::string dir = slash == std::string::npos ? "" : p.substr(0, slash + 1);
        // The projector's folder ("a/b/") must be the model's folder or one above it.
        if (model_dir.compare(0, dir.size(), dir) != 0) continue;
        const size_t depth = static_cast<size_t>(std::count(dir.begin(), dir.end(), '/'));
        const int diff = std::abs(quant_bits(p) - model_bits);
        if (best.empty() || depth > best_depth || (depth == best_depth && diff < best_diff)) {
            best = p;
            best_depth = depth;
            best_diff = diff;
        }
    }
    return best;
}

std::string file_name_from_url(const std::string& url) {
    std::string path = url;
    const auto scheme = path.find("://");
    if (scheme != std::string::npos) {
        path = path.substr(scheme + 3);
        const auto slash = path.find('/');
        path = slash == std::string::npos ? "" : path.substr(slash);
    }
    const auto cut = path.find_first_of("?#");
    if (cut != std::string::npos) path = path.substr(0, cut);
    std::string name = percent_decode(base_name(path));
    for (auto& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
    }
    if (name.find_first_not_of('.') == std::string::npos) return "";  // "", "." or ".."
    return name;
}

bool is_http_url(const std::string& url) {
    const std::string l = lower(url.substr(0, 8));
    return l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0;
}

std::string url_for_log(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const auto host_start = scheme + 3;
    const auto host_end = url.find_first_of("/?#", host_start);
    const auto at = url.rfind('@', host_end == std::string::npos ? std::string::npos : host_end);
    if (at == std::string::npos || at < host_start) return url;
    return url.substr(0, host_start) + url.substr(at + 1);
}

}  // namespace cria::download
