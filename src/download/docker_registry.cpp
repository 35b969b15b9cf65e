#include "download/docker_registry.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "download/http_client.h"
#include "util/log.h"

namespace cria::download {

namespace {

constexpr const char* kGgufMediaType = "application/vnd.docker.ai.gguf.v3";
constexpr size_t kMaxTokenBytes = 64u << 10;      // a JSON with one bearer token
constexpr size_t kMaxManifestBytes = 4u << 20;    // an image manifest lists a few layers


std::string env_or(const EnvLookup& env, const char* name, const char* fallback) {
    const auto value = env ? env(name) : std::nullopt;
    return value && !value->empty() ? *value : fallback;
}

// A small JSON document from the registry: its text, or nullopt and *why (transport or status);
// *unreachable when no answer came at all.
std::optional<std::string> get_json(const std::string& url, const std::vector<std::string>& headers, size_t max_bytes,
                                    const std::atomic<bool>* cancel, bool* unreachable, std::string* why) {
    HttpRequest get;
    get.url = url;
    get.headers = headers;
    get.timeout_s = 60;
    get.cancel = cancel;
    std::string body;
    const HttpResponse r = http_get_text(get, max_bytes, &body);
    *unreachable = !r.transport_ok;
    if (!r.transport_ok) {
        *why = r.error + " (" + url_for_log(url) + ")";
        return std::nullopt;
    }
    if (r.status != 200) {
        *why = describe_http_status(r.status, url);
        return std::nullopt;
    }
    return body;
}

// The pull token, from {"token": ...} (or "access_token", the OAuth spelling).
std::optional<std::string> pull_token(const std::string& json_text, std::string* why) {
    const auto j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
    for (const char* key : {"token", "access_token"}) {
        if (j.is_object() && j.contains(key) && (*j.find(key)).is_string()) return j[key].get<std::string>();
    }
    *why = "the registry's token response has no 'token' field";
    return std::nullopt;
}

// Token and manifest: the blob's URL and the token to fetch it with.
bool resolve_blob(const DockerReference& ref, const EnvLookup& env, const std::atomic<bool>* cancel, FileFetch* fetch,
                  bool* unreachable, std::string* why) {
    const auto token_json = get_json(docker_token_url(env, ref.repo), {}, kMaxTokenBytes, cancel, unreachable, why);
    if (!token_json) return false;
    const auto token = pull_token(*token_json, why);
    if (!token) return false;
    const std::string base = docker_registry_url(env) + "/v2/" + ref.repo;
    std::vector<std::string> headers = bearer_headers(*token);
    headers.push_back("Accept: application/vnd.docker.distribution.manifest.v2+json,application/vnd.oci.image.manifest.v1+json");
    const auto manifest = get_json(base + "/manifests/" + ref.tag, headers, kMaxManifestBytes, cancel, unreachable, why);
    if (!manifest) return false;
    const auto digest = gguf_layer_digest(*manifest, why);
    if (!digest) return false;
    fetch->url = base + "/blobs/" + *digest;
    fetch->bearer_token = *token;
    return true;
}

}  // namespace

std::string docker_registry_url(const EnvLookup& env) {
    std::string url = env_or(env, "CRIA_DOCKER_REGISTRY", "");
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

std::string docker_token_url(const EnvLookup& env, const std::string& repo) {
    const std::string auth = env_or(env, "CRIA_DOCKER_AUTH", "");
    if (auth.empty()) return "";
    return auth + (auth.find('?') == std::string::npos ? "?" : "&") + "scope=repository:" + repo + ":pull";
}

std::optional<std::string> gguf_layer_digest(const std::string& manifest_json, std::string* error) {
    const auto j = nlohmann::json::parse(manifest_json, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("layers") || !j["layers"].is_array()) {
        *error = "the registry's manifest is not an image manifest with layers";
        return std::nullopt;
    }
    for (const auto& layer : j["layers"]) {
        if (!layer.is_object() || !layer.contains("mediaType") || !layer["mediaType"].is_string()) continue;
        const std::string type = layer["mediaType"].get<std::string>();
        if (type != kGgufMediaType && type.find("gguf") == std::string::npos) continue;
        std::string digest = layer.contains("digest") && layer["digest"].is_string() ? layer["digest"].get<std::string>() : "";
        const bool hex = digest.size() == 71 && digest.compare(0, 7, "sha256:") == 0 &&
                         std::all_of(digest.begin() + 7, digest.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
        if (!hex) {
            *error = "the manifest's GGUF layer has a malformed digest '" + digest.substr(0, 100) + "'";
            return std::nullopt;
        }
        std::transform(digest.begin(), digest.end(), digest.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return digest;
    }
    *error = "the manifest has no GGUF layer (" + std::string(kGgufMediaType) + ")";
    return std::nullopt;
}

std::optional<FileFetch> docker_model_fetch(const ModelFetchRequest& request, const EnvLookup& env,
                                            const std::string& cache_dir, std::string* error) {
    std::string why;
    const auto ref = parse_docker_reference(request.docker_repo, &why);
    if (!ref) {
        *error = "--docker-repo '" + request.docker_repo + "': " + why;
        return std::nullopt;
    }
    FileFetch fetch;
    fetch.offline = request.offline;
    fetch.show_progress = request.show_progress;
    fetch.cancel = request.cancel;
    fetch.path = request.destination;
    if (fetch.path.empty()) {
        if (cache_dir.empty()) {
            *error = "no cache directory: set LLAMA_CACHE (or HOME), or give the local path with -m";
            return std::nullopt;
        }
        fetch.path = cache_dir + "/" + docker_cache_file_name(*ref);
    }
    const std::string label = ref->repo + ":" + ref->tag;
    const std::string registry = docker_registry_url(env);
    fetch.url = (registry.empty() ? "docker:" : registry + "/v2/") + ref->repo + "/manifests/" + ref->tag;  // named in messages
    if (request.offline) return fetch;
    if (registry.empty() || docker_token_url(env, ref->repo).empty()) {
        // cria names no registry host of its own (the project's rule; llama-server's are built in).
        *error = "--docker-repo " + label + ": set CRIA_DOCKER_REGISTRY (the registry's base URL) and CRIA_DOCKER_AUTH "
                 "(its token service, with its service parameter): cria names no registry of its own";
        return std::nullopt;
    }
    bool unreachable = false;
    if (resolve_blob(*ref, env, request.cancel, &fetch, &unreachable, &why)) return fetch;
    std::error_code ec;
    if (unreachable && std::filesystem::exists(fetch.path, ec)) {
        log_warn("cannot reach the registry for " + label + " (" + why + "); using the cached " + fetch.path);
        fetch.offline = true;
        return fetch;
    }
    *error = "--docker-repo " + label + ": " + why;
    return std::nullopt;
}

}  // namespace cria::download
