// Models from the network: -mu URL, or -hf user/repo[:quant] with -hff FILE. Resolves the source to
// a URL and a local file, then makes sure that file is there and current, downloading it with
// libcurl when it is not. main() calls fetch_model() before the engine loads; the engine only
// ever sees a local path.
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
    std::string hf_token;     // sent as "Authorization: Bearer" to the Hugging Face endpoint only
    std::string destination;  // -m: where the file is kept ("" = the cache directory)
    bool offline = false;     // never touch the network: use the cached file or fail
    bool show_progress = false;                 // draw a progress line on stderr
    const std::atomic<bool>* cancel = nullptr;  // set: stop downloading soon
};

// Whether the request names a model on the network at all.
bool needs_fetch(const ModelFetchRequest& request);

// Makes sure the model is on disk and returns its path. When a cached copy exists it is used if
// the server's ETag (else Last-Modified) still matches the one recorded when it was downloaded, if
// the server cannot be reached (with a warning), or with --offline. Otherwise the file is
// downloaded, resuming a partial file, with up to three attempts.
// Returns nullopt and sets *error (naming the URL, never the token) on failure.
std::optional<std::string> fetch_model(const ModelFetchRequest& request, const EnvLookup& env, std::string* error);

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
