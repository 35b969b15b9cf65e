// Where a model from the network comes from and where it is kept: the cache directory, the URL
// of a Hugging Face file, the local file name for a URL. Pure string and environment logic, no
// network (src/download/model_download.h does the fetching).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cria::download {

// Reads an environment variable; nullopt when unset. Injected so tests need no real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
EnvLookup process_env();

// The directory downloaded models are kept in: $LLAMA_CACHE, else $XDG_CACHE_HOME/llama.cpp,
// else $HOME/.cache/llama.cpp (empty variables count as unset). "" when none of them is set.
std::string cache_dir(const EnvLookup& env);

// The Hugging Face hub, llama-server's default for -hf.
inline constexpr const char* kDefaultHfEndpoint = "https://huggingface.co";

// The Hugging Face endpoint, always ending in '/': $HF_ENDPOINT, else $MODEL_ENDPOINT, else the
// hub itself (kDefaultHfEndpoint), as llama-server does. An empty variable counts as unset.
std::string hf_endpoint(const EnvLookup& env);

// "user/repo[:tag]" split. The repository is two names of letters, digits, '_', '-' and '.',
// joined by one '/'; the tag (a quantization such as Q4_K_M) is optional.
struct HfRepo {
    std::string repo;  // "user/repo"
    std::string tag;   // "" when not given
};
// Returns nullopt and sets *error (e.g. "expected <user>/<model>[:quant]") when malformed.
std::optional<HfRepo> parse_hf_repo(const std::string& text, std::string* error);

// <endpoint>/<repo>/resolve/main/<file>
std::string hf_file_url(const std::string& endpoint, const std::string& repo, const std::string& file);

// <endpoint>/api/models/<repo>/tree/main?recursive=true: the repository's file list, as JSON.
std::string hf_tree_url(const std::string& endpoint, const std::string& repo);

// The cache file name of a repository file: "user_repo_<base name of file>".
std::string hf_cache_file_name(const std::string& repo, const std::string& file);

// Whether a repository file is a multimodal projector: a ".gguf" file (case-insensitive) whose base
// name contains "mmproj". Such files are never taken as the model.
bool is_projector_file(const std::string& path);

// The .gguf files of a repository's file list (the hub's tree JSON text), as paths in the
// repository, in the list's order.
struct RepoGgufFiles {
    std::vector<std::string> models;      // what could be the model: not projectors
    std::vector<std::string> projectors;  // is_projector_file()
};
// Returns nullopt when the text is not such a list.
std::optional<RepoGgufFiles> gguf_files_in_tree(const std::string& tree_json);

// Picks the model file for `tag` out of `files` (paths as in the repository): the first whose base
// name contains the tag (case-insensitive); without a tag, the first containing "Q4_K_M", else the
// first file. Split models ("-00001-of-00003.gguf") are refused. Returns "" and sets *error when
// nothing fits.
std::string choose_hf_file(const std::vector<std::string>& files, const std::string& tag, std::string* error);

// The bit count of a GGUF file's quantization, read from the last '-' or '.' separated word of its
// name (without ".gguf" and a split suffix): its first number, so "m-Q4_K_M.gguf" 4, "m.Q8_0.gguf"
// 8, "mmproj-m-f16.gguf" and "mmproj-BF16.gguf" 16; 0 when the name has no such word or number.
int quant_bits(const std::string& path);

// The projector llama-server's --mmproj-auto takes for `model` out of `projectors` (paths in the
// repository, in the listing's order): only those in the model's folder or one of the folders above
// it, the deepest folder first, then the quantization nearest in bits to the model's (quant_bits),
// then the first listed. "" when none is in such a folder (text only).
std::string choose_projector(const std::vector<std::string>& projectors, const std::string& model);

// The local file name for a URL: the last path segment, without query or fragment, percent-
// decoded, with characters other than letters, digits, '.', '_' and '-' replaced by '_'.
// "" when the URL names no file (e.g. "http://host/").
std::string file_name_from_url(const std::string& url);

// Whether the URL uses http:// or https://.
bool is_http_url(const std::string& url);

// The URL as it may appear in a log line: without a "user:password@" part.
std::string url_for_log(const std::string& url);

}  // namespace cria::download
