// Which files of a Hugging Face repository -hf fetches: the model (the one -hff names, else the one
// for the quant) and, with --mmproj-auto, the multimodal projector beside it. They are chosen from
// the hub's file list of the repository (<endpoint>/api/models/<repo>/tree/main?recursive=true), or,
// with --offline or when the hub cannot be reached, from the files of the repository already in
// the cache. Used by fetch_model() (model_download.h); the downloads themselves are not done here.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "download/model_source.h"

namespace cria::download {

struct RepoFilesQuery {
    HfRepo repo;
    std::string endpoint;          // hf_endpoint(): ends in '/'
    std::string token;             // sent as "Authorization: Bearer" with the file list request
    std::string model_file;        // -hff: the model's path in the repository ("" = chosen by the quant)
    bool want_projector = false;   // --mmproj-auto, with neither --mmproj nor --mmproj-url given
    bool offline = false;          // never ask the hub: the cache only
    std::string model_cache_dir;   // where cached models of the repository are looked for ("" = none)
    std::string projector_cache_dir;  // where its cached projector is looked for: beside the model
    const std::atomic<bool>* cancel = nullptr;
};

struct RepoFiles {
    // Paths in the repository; a file found in the cache is named by its base name (the cache
    // keeps "user_repo_<base name>", see hf_cache_file_name()).
    std::string model;
    std::string projector;  // "" = none: the repository has none, or it was not asked for
};

// The file list is asked for only when it decides something: the model's quant, or the projector.
// A repository without a projector is no error (text only). Returns nullopt and sets *error when no
// model can be chosen: the list is refused (4xx) or not JSON, no file fits the quant, or neither the
// hub nor the cache has a file of the repository. A projector that cannot be looked up (the list
// fails while -hff names the model) is only a warning.
std::optional<RepoFiles> choose_repo_files(const RepoFilesQuery& query, std::string* error);

}  // namespace cria::download
