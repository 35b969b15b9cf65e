#include "download/repo_files.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "download/http_client.h"
#include "util/log.h"

namespace cria::download {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxTreeBytes = 32u << 20;  // a repository's file list; far more than any real one

// The hub's answer to the file list request.
struct Listing {
    std::optional<RepoGgufFiles> files;  // set when the list arrived and is valid
    bool refused = false;                // a 4xx answer, or a 200 that is not a file list
    std::string why;                     // when files is unset: what went wrong
};

Listing list_repo(const RepoFilesQuery& query) {
    const std::string url = hf_tree_url(query.endpoint, query.repo.repo);
    std::string body;
    HttpRequest get;
    get.url = url;
    get.headers = bearer_headers(query.token);
    get.headers.push_back("Accept: application/json");
    get.timeout_s = 60;
    get.cancel = query.cancel;
    const HttpResponse r = http_get_text(get, kMaxTreeBytes, &body);
    Listing out;
    if (r.transport_ok && r.status == 200) {
        out.files = gguf_files_in_tree(body);
        if (!out.files) {
            out.refused = true;
            out.why = "the file list from " + url_for_log(url) + " is not valid JSON";
        }
        return out;
    }
    out.refused = r.transport_ok && r.status >= 400 && r.status < 500;
    out.why = r.transport_ok ? describe_http_status(r.status, url) : r.error + " (" + url_for_log(url) + ")";
    return out;
}

// The repository's files kept in `dir` ("user_repo_<name>.gguf"), by <name>, sorted.
RepoGgufFiles cached_repo_files(const std::string& dir, const std::string& repo) {
    RepoGgufFiles files;
    if (dir.empty()) return files;
    const std::string prefix = hf_cache_file_name(repo, "");
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!it->is_regular_file() || name.rfind(prefix, 0) != 0) continue;
        names.push_back(name.substr(prefix.size()));
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        if (n.size() <= 5 || n.compare(n.size() - 5, 5, ".gguf") != 0) continue;
        (is_projector_file(n) ? files.projectors : files.models).push_back(n);
    }
    return files;
}

std::string repo_label(const HfRepo& repo) { return repo.repo + (repo.tag.empty() ? "" : ":" + repo.tag); }

void log_projector_choice(const RepoFilesQuery& query, const RepoFiles& files, const char* where) {
    if (files.projector.empty()) {
        log_info(query.repo.repo + ": no multimodal projector for " + files.model + " " + where + " (text only)");
    } else {
        log_info(query.repo.repo + ": using the multimodal projector " + files.projector + " " + where);
    }
}

}  // namespace

std::optional<RepoFiles> choose_repo_files(const RepoFilesQuery& query, std::string* error) {
    RepoFiles out;
    out.model = query.model_file;
    if (!out.model.empty() && !query.want_projector) return out;  // nothing to look up

    std::string why_unlisted;
    if (!query.offline) {
        const Listing listing = list_repo(query);
        if (listing.files) {
            if (out.model.empty()) {
                std::string choose_error;
                out.model = choose_hf_file(listing.files->models, query.repo.tag, &choose_error);
                if (out.model.empty()) {
                    *error = query.repo.repo + ": " + choose_error;
                    return std::nullopt;
                }
                log_info(repo_label(query.repo) + ": using the file " + out.model);
            }
            if (query.want_projector) {
                out.projector = choose_projector(listing.files->projectors, out.model);
                log_projector_choice(query, out, "in the repository");
            }
            return out;
        }
        if (listing.refused && out.model.empty()) {
            *error = "cannot list the files of " + query.repo.repo + ": " + listing.why;
            return std::nullopt;
        }
        why_unlisted = listing.why;
    }

    // Offline, or no file list: what the cache holds of this repository.
    if (out.model.empty()) {
        std::string choose_error;
        const RepoGgufFiles cached = cached_repo_files(query.model_cache_dir, query.repo.repo);
        out.model = query.model_cache_dir.empty() ? "" : choose_hf_file(cached.models, query.repo.tag, &choose_error);
        if (out.model.empty()) {
            const std::string dir = query.model_cache_dir.empty() ? "no cache directory" : query.model_cache_dir;
            *error = query.offline ? "--offline: no file of " + repo_label(query.repo) + " is in the cache (" + dir + ")"
                                   : "cannot list the files of " + query.repo.repo + ": " + why_unlisted;
            return std::nullopt;
        }
        if (!query.offline) {
            log_warn("cannot list the files of " + query.repo.repo + " (" + why_unlisted + "); using the cached " +
                     out.model);
        }
    } else if (!query.offline) {
        log_warn("cannot list the files of " + query.repo.repo + " to find its multimodal projector (" +
                 why_unlisted + "); looking in the cache");
    }
    if (query.want_projector) {
        out.projector = choose_projector(cached_repo_files(query.projector_cache_dir, query.repo.repo).projectors,
                                         out.model);
        log_projector_choice(query, out, "in the cache");
    }
    return out;
}

}  // namespace cria::download
