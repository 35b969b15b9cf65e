// Models from the network: -mu URL, -hf user/repo[:quant] with -hff FILE, or -dr (Docker Hub), and multimodal
// projectors: -mmu URL, or with -hf the repository's own (--mmproj-auto, repo_files.h). Resolves
// each source to a URL and a local file, then makes sure that file is there and current,
// downloading it with libcurl when it is not. main() calls fetch_model() before the engine loads;
// the engine only ever sees local paths.
//
// The local file and what sits beside it:
//   <file>                      the complete model, renamed into place only once it is whole
//   <file>.json                 {"url", "etag", "lastModified"} of the complete file
//   <file>.downloadInProgress   a partial download, resumed with a Range request
//   <file>.downloadInProgress.json   the URL and validators of the partial file
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "download/model_source.h"

namespace cria::download {

struct ModelFetchRequest {
    std::string model_url;    // -mu: a http(s) URL
    std::string hf_repo;      // -hf: "user/repo[:quant]"
    std::string hf_file;      // -hff: the file in the repository ("" = chosen by quant)
    std::string docker_repo;  // -dr: "[<repo>/]<model>[:tag]" on Docker Hub (docker_registry.h)
    std::string hf_token;     // sent as "Authorization: Bearer" to the Hugging Face endpoint only
    std::string destination;  // -m: where the file is kept ("" = the cache directory)
    bool offline = false;     // never touch the network: use the cached file or fail
    std::string mmproj_url;   // -mmu: the projector's http(s) URL (no token is sent there)
    std::string mmproj_path;  // -mm: with -mmu where it is kept; without, the projector to use (none is fetched)
    bool mmproj_auto = true;  // --mmproj-auto: with -hf, also the repository's projector, if it has one
    bool show_progress = false;                 // draw a progress line on stderr
    const std::atomic<bool>* cancel = nullptr;  // set: stop downloading soon
};

// Whether the request names a model or a projector on the network at all.
bool needs_fetch(const ModelFetchRequest& request);

// The local files fetch_model() made sure of.
struct FetchedModel {
    std::string model_path;      // "" when no model was asked for (-m with -mmu)
    std::string projector_path;  // "" when none was fetched: not asked for, or the repository has none
};

// Makes sure the model and the projector are on disk and returns their paths. Where the projector
// goes: -mmu like -mu (the -mm path, else the cache directory under the URL's file name); the one of
// an -hf repository beside the model, named like it ("user_repo_<file>"). When a cached copy exists
// it is used if the server's ETag (else Last-Modified) still matches the one recorded when it was
// downloaded, if the server cannot be reached (with a warning), or with --offline. Otherwise the
// file is downloaded, resuming a partial file, with up to three attempts.
// Returns nullopt and sets *error (naming the URL, never the token) on failure.
std::optional<FetchedModel> fetch_model(const ModelFetchRequest& request, const EnvLookup& env, std::string* error);

// One file: the layer under fetch_model(), for a known URL and local path.
struct FileFetch {
    std::string url;
    std::string path;                 // the final local file
    std::string bearer_token;         // "" = no Authorization header
    bool offline = false;
    bool show_progress = false;
    const std::atomic<bool>* cancel = nullptr;
    int max_attempts = 3;
};

// Returns false and sets *error when the file is neither there nor downloadable.
bool fetch_file(const FileFetch& fetch, std::string* error);

}  // namespace cria::download
