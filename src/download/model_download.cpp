#include "download/model_download.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "download/docker_registry.h"
#include "download/download_progress.h"
#include "download/http_client.h"
#include "download/repo_files.h"
#include "util/log.h"

namespace cria::download {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPartSuffix = ".downloadInProgress";

// What a metadata file records about a downloaded (or partly downloaded) file.
struct FileMeta {
    std::string url;
    std::string etag;
    std::string last_modified;
};

std::optional<FileMeta> read_meta(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    FileMeta meta;
    auto field = [&j](const char* name) {
        const auto it = j.find(name);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    meta.url = field("url");
    meta.etag = field("etag");
    meta.last_modified = field("lastModified");
    return meta;
}

// Written to a temporary file and renamed, so a reader never sees half of it.
bool write_meta(const std::string& path, const FileMeta& meta) {
    const nlohmann::json j = {{"url", meta.url}, {"etag", meta.etag}, {"lastModified", meta.last_modified}};
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << j.dump(2) << "\n";
        if (!out) return false;
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) fs::remove(tmp, ec);
    return !ec;
}

void remove_quietly(const std::string& path) {
    std::error_code ec;
    fs::remove(path, ec);
}

int64_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    return ec ? 0 : static_cast<int64_t>(size);
}

bool cancelled(const std::atomic<bool>* cancel) { return cancel && cancel->load(); }

// Waits `seconds`, waking early when cancelled.
void pause_before_retry(int seconds, const std::atomic<bool>* cancel) {
    for (int i = 0; i < seconds * 10 && !cancelled(cancel); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// The cached file is current unless the server's validator differs from the one recorded.
bool cached_copy_is_current(const FileFetch& fetch) {
    const std::string meta_path = fetch.path + ".json";
    const auto stored = read_meta(meta_path);
    HttpRequest head;
    head.url = fetch.url;
    head.headers = bearer_headers(fetch.bearer_token);
    head.head_only = true;
    head.timeout_s = 60;
    head.cancel = fetch.cancel;
    const HttpResponse r = http_perform(head);
    if (!r.transport_ok || r.status >= 400 || r.status == 0) {
        const std::string why = r.transport_ok ? "HTTP " + std::to_string(r.status) : r.error;
        log_warn("cannot check " + url_for_log(fetch.url) + " for a newer version (" + why + "); using the cached " +
                 fetch.path);
        return true;
    }
    if (!stored) {
        log_info("using " + fetch.path + " (it has no record of its download, so it is not compared with the server)");
        return true;
    }
    bool changed = false;
    if (!stored->etag.empty() && !r.etag.empty()) {
        changed = stored->etag != r.etag;
    } else if (!stored->last_modified.empty() && !r.last_modified.empty()) {
        changed = stored->last_modified != r.last_modified;
    }
    if (changed) {
        log_info("the model at " + url_for_log(fetch.url) + " changed since it was downloaded; downloading it again");
        return false;
    }
    log_info("using the cached " + fetch.path + " (up to date with " + url_for_log(fetch.url) + ")");
    return true;
}

// One GET of the file into the partial file, resuming it when it holds bytes. Returns the outcome
// of the attempt; *retry says whether another attempt may help.
enum class Attempt { complete, failed };

Attempt download_once(const FileFetch& fetch, const std::string& part_path, bool* retry, std::string* why) {
    const std::string part_meta_path = part_path + ".json";
    int64_t offset = file_size_or_zero(part_path);
    const auto part_meta = read_meta(part_meta_path);
    if (offset > 0 && (!part_meta || part_meta->url != fetch.url)) {
        // A partial file of unknown origin: it cannot be trusted to continue.
        remove_quietly(part_path);
        offset = 0;
    }

    HttpRequest get;
    get.url = fetch.url;
    get.headers = bearer_headers(fetch.bearer_token);
    get.cancel = fetch.cancel;
    if (offset > 0) {
        get.headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
        // The server sends the rest only if the file is still the one the part came from.
        const std::string validator = !part_meta->etag.empty() ? part_meta->etag : part_meta->last_modified;
        if (!validator.empty()) get.headers.push_back("If-Range: " + validator);
    }

    std::FILE* out = nullptr;
    int64_t written_from = 0;  // where this response's body starts in the file
    int64_t expected_total = -1;
    bool bad_range = false;
    bool write_failed = false;
    const std::string label = fs::path(fetch.path).filename().string();
    ProgressLine progress(label, fetch.show_progress);

    get.on_response = [&](const HttpResponse& r) {
        if (r.status == 206) {
            int64_t start = 0;
            int64_t total = -1;
            if (offset == 0 || !parse_content_range(r.content_range, &start, &total) || start != offset) {
                bad_range = true;
                return false;
            }
            written_from = offset;
            expected_total = total >= 0 ? total : (r.content_length >= 0 ? offset + r.content_length : -1);
            out = std::fopen(part_path.c_str(), "ab");
        } else if (r.status == 200) {
            // A whole file: the server ignored the range, or the file changed since the part began.
            if (offset > 0) log_info("the server sent the whole file; the partial download starts over");
            written_from = 0;
            expected_total = r.content_length;
            write_meta(part_meta_path, FileMeta{fetch.url, r.etag, r.last_modified});
            out = std::fopen(part_path.c_str(), "wb");
        } else {
            return false;  // an error status: its body is not the model
        }
        if (!out) {
            write_failed = true;
            return false;
        }
        log_info("downloading " + url_for_log(fetch.url) + " to " + fetch.path +
                 (written_from > 0 ? " (resuming at " + format_bytes(written_from) + ")" : ""));
        return true;
    };
    get.on_body = [&](const char* data, size_t size) {
        if (std::fwrite(data, 1, size, out) != size) {
            write_failed = true;
            return false;
        }
        return true;
    };
    get.on_progress = [&](int64_t received, int64_t) { progress.update(written_from + received, expected_total); };

    const HttpResponse r = http_perform(get);
    int64_t size_now = written_from;
    if (out) {
        const bool flushed = std::fflush(out) == 0 && ::fsync(fileno(out)) == 0;
        write_failed = write_failed || !flushed;
        std::fclose(out);
        size_now = file_size_or_zero(part_path);
    } else if (r.transport_ok && r.status == 200) {
        // An empty body never reached the write callback: the file is empty.
        write_meta(part_meta_path, FileMeta{fetch.url, r.etag, r.last_modified});
        std::ofstream(part_path, std::ios::binary | std::ios::trunc);
        expected_total = r.content_length;
        size_now = 0;
    }

    if (write_failed) {
        *why = "cannot write " + part_path;
        *retry = false;
        return Attempt::failed;
    }
    if (bad_range || r.status == 416) {
        // The server does not continue where the part ends: start over.
        remove_quietly(part_path);
        remove_quietly(part_meta_path);
        *why = "the server did not resume the partial download at byte " + std::to_string(offset);
        *retry = true;
        return Attempt::failed;
    }
    if (r.status >= 400 && r.status != 0) {
        *why = describe_http_status(r.status, fetch.url);
        *retry = r.status >= 500 || r.status == 408 || r.status == 429;
        return Attempt::failed;
    }
    if (!r.transport_ok) {
        *why = r.error + " after " + format_bytes(size_now) + " of " +
               (expected_total >= 0 ? format_bytes(expected_total) : std::string("an unknown size"));
        *retry = r.error != "cancelled";
        return Attempt::failed;
    }
    if (r.status != 200 && r.status != 206) {
        *why = "unexpected HTTP " + std::to_string(r.status) + " from " + url_for_log(fetch.url);
        *retry = false;
        return Attempt::failed;
    }
    if (expected_total >= 0 && size_now != expected_total) {
        *why = "received " + format_bytes(size_now) + " of " + format_bytes(expected_total);
        *retry = true;
        return Attempt::failed;
    }
    progress.finish(size_now, expected_total);
    return Attempt::complete;
}

FileFetch file_fetch_base(const ModelFetchRequest& request) {
    FileFetch fetch;
    fetch.offline = request.offline;
    fetch.show_progress = request.show_progress;
    fetch.cancel = request.cancel;
    return fetch;
}

// Where the file of a -mu or -mmu URL is kept: `destination` (the path given with `path_option`,
// -m or --mmproj) when there is one, else the cache directory under the URL's file name. nullopt
// and *error when there is no such place.
std::optional<FileFetch> url_fetch(const ModelFetchRequest& request, const std::string& url, const char* option,
                                   const std::string& destination, const char* path_option, const std::string& dir,
                                   std::string* error) {
    if (!is_http_url(url)) {
        *error = std::string(option) + " must be an http:// or https:// URL";
        return std::nullopt;
    }
    FileFetch fetch = file_fetch_base(request);
    fetch.url = url;
    fetch.path = destination;
    if (fetch.path.empty()) {
        const std::string name = file_name_from_url(url);
        if (name.empty()) {
            *error = "the URL " + url_for_log(url) + " names no file; give the local path with " + path_option;
            return std::nullopt;
        }
        if (dir.empty()) {
            *error = std::string("no cache directory: set LLAMA_CACHE (or HOME), or give the local path with ") +
                     path_option;
            return std::nullopt;
        }
        fetch.path = dir + "/" + name;
    }
    return fetch;
}

// The downloads of -hf.
struct RepoFetches {
    FileFetch model;
    std::optional<FileFetch> projector;  // none wanted, or the repository has none
};

// -hf: the model's file and, when wanted and the repository has one, its projector's, kept beside
// the model: "user_repo_<file>" in the cache directory, or the model at -m and the projector in its folder.
std::optional<RepoFetches> repo_fetches(const ModelFetchRequest& request, const EnvLookup& env, const std::string& dir,
                                        bool want_projector, std::string* error) {
    std::string why;
    const auto repo = parse_hf_repo(request.hf_repo, &why);
    if (!repo) {
        *error = "--hf-repo '" + request.hf_repo + "': " + why;
        return std::nullopt;
    }
    if (request.destination.empty() && dir.empty()) {
        *error = "no cache directory: set LLAMA_CACHE (or HOME), or give the local path with -m";
        return std::nullopt;
    }
    std::string model_folder = dir;
    if (!request.destination.empty()) {
        model_folder = fs::path(request.destination).parent_path().string();
        if (model_folder.empty()) model_folder = ".";
    }
    RepoFilesQuery query;
    query.repo = *repo;
    query.endpoint = hf_endpoint(env);
    query.token = request.hf_token;
    query.model_file = request.hf_file;
    if (query.model_file.empty() && request.offline && !request.destination.empty()) {
        query.model_file = fs::path(request.destination).filename().string();
    }
    query.want_projector = want_projector;
    query.offline = request.offline;
    query.model_cache_dir = dir;
    query.projector_cache_dir = model_folder;
    query.cancel = request.cancel;
    const auto files = choose_repo_files(query, error);
    if (!files) return std::nullopt;

    auto file_fetch = [&](const std::string& file) {
        FileFetch fetch = file_fetch_base(request);
        fetch.url = hf_file_url(query.endpoint, repo->repo, file);
        fetch.bearer_token = request.hf_token;
        fetch.path = model_folder + "/" + hf_cache_file_name(repo->repo, file);
        return fetch;
    };
    RepoFetches out{file_fetch(files->model), std::nullopt};
    if (!request.destination.empty()) out.model.path = request.destination;
    if (!files->projector.empty()) out.projector = file_fetch(files->projector);
    return out;
}

}  // namespace

bool needs_fetch(const ModelFetchRequest& request) {
    return !request.model_url.empty() || !request.hf_repo.empty() || !request.docker_repo.empty() ||
           !request.mmproj_url.empty();
}

bool fetch_file(const FileFetch& fetch, std::string* error) {
    std::error_code ec;
    if (fs::exists(fetch.path, ec)) {
        if (fetch.offline) {
            log_info("using the cached " + fetch.path + " (--offline)");
            return true;
        }
        if (cached_copy_is_current(fetch)) return true;
    } else if (fetch.offline) {
        *error = "--offline: " + fetch.path + " is not in the cache; start once without --offline to download " +
                 url_for_log(fetch.url);
        return false;
    }

    const fs::path parent = fs::path(fetch.path).parent_path();
    if (!parent.empty()) {
        fs::create_directories(parent, ec);
        if (ec) {
            *error = "cannot create the directory " + parent.string() + ": " + ec.message();
            return false;
        }
    }
    const std::string part_path = fetch.path + kPartSuffix;
    std::string why;
    for (int attempt = 1; attempt <= fetch.max_attempts; ++attempt) {
        bool retry = false;
        if (download_once(fetch, part_path, &retry, &why) == Attempt::complete) {
            fs::rename(part_path, fetch.path, ec);
            if (ec) {
                *error = "cannot rename " + part_path + " to " + fetch.path + ": " + ec.message();
                return false;
            }
            const auto part_meta = read_meta(part_path + ".json");
            FileMeta meta = part_meta.value_or(FileMeta{});
            meta.url = fetch.url;
            if (!write_meta(fetch.path + ".json", meta)) log_warn("cannot write " + fetch.path + ".json");
            remove_quietly(part_path + ".json");
            log_info("downloaded " + fetch.path + " (" + format_bytes(file_size_or_zero(fetch.path)) + ")");
            return true;
        }
        if (cancelled(fetch.cancel)) {
            *error = "the download of " + url_for_log(fetch.url) + " was stopped; the partial file " + part_path +
                     " is kept and resumed next time";
            return false;
        }
        if (!retry) break;
        if (attempt < fetch.max_attempts) {
            log_warn("download of " + url_for_log(fetch.url) + " failed: " + why + "; retrying (attempt " +
                     std::to_string(attempt + 1) + " of " + std::to_string(fetch.max_attempts) + ")");
            pause_before_retry(attempt, fetch.cancel);
        }
    }
    *error = "cannot download " + url_for_log(fetch.url) + ": " + why;
    return false;
}

std::optional<FetchedModel> fetch_model(const ModelFetchRequest& request, const EnvLookup& env, std::string* error) {
    const std::string dir = cache_dir(env);
    FetchedModel out;
    std::optional<FileFetch> projector;
    if (!request.mmproj_url.empty()) {
        projector = url_fetch(request, request.mmproj_url, "--mmproj-url", request.mmproj_path, "--mmproj", dir, error);
        if (!projector) return std::nullopt;
    }
    if (!request.model_url.empty()) {
        const auto model = url_fetch(request, request.model_url, "--model-url", request.destination, "-m", dir, error);
        if (!model || !fetch_file(*model, error)) return std::nullopt;
        out.model_path = model->path;
    } else if (!request.docker_repo.empty()) {
        const auto model = docker_model_fetch(request, env, dir, error);
        if (!model || !fetch_file(*model, error)) return std::nullopt;
        out.model_path = model->path;
    } else if (!request.hf_repo.empty()) {
        // --mmproj FILE or --mmproj-url: the projector is given, the repository's is not looked for.
        const bool want_projector = request.mmproj_auto && request.mmproj_url.empty() && request.mmproj_path.empty();
        const auto files = repo_fetches(request, env, dir, want_projector, error);
        if (!files || !fetch_file(files->model, error)) return std::nullopt;
        out.model_path = files->model.path;
        if (files->projector) projector = files->projector;
    }
    if (projector) {
        if (!fetch_file(*projector, error)) return std::nullopt;
        out.projector_path = projector->path;
    }
    return out;
}

}  // namespace cria::download
