#include "download/docker_reference.h"

#include <algorithm>
#include <cctype>

namespace cria::download {

namespace {

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

// A repository part or a tag: name characters, starting with a letter, a digit or '_' (so never
// "." or "..", which would move the registry URL's path).
bool is_name(const std::string& s, size_t max_size) {
    return !s.empty() && s.size() <= max_size && (std::isalnum(static_cast<unsigned char>(s[0])) != 0 || s[0] == '_') &&
           std::all_of(s.begin(), s.end(), is_name_char);
}

}  // namespace

std::optional<DockerReference> parse_docker_reference(const std::string& text, std::string* error) {
    DockerReference ref;
    const auto colon = text.find(':');
    ref.repo = text.substr(0, colon);
    ref.tag = colon == std::string::npos ? "latest" : text.substr(colon + 1);
    if (ref.repo.find('/') == std::string::npos) ref.repo = "ai/" + ref.repo;
    bool ok = is_name(ref.tag, 128);
    size_t start = 0;
    while (ok) {
        const auto slash = ref.repo.find('/', start);
        ok = is_name(ref.repo.substr(start, slash - start), 255);
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (!ok) {
        *error = "expected [<repo>/]<model>[:tag] of letters, digits, '.', '_' and '-' (e.g. smollm2 or ai/smollm2:360M-Q4_K_M)";
        return std::nullopt;
    }
    return ref;
}

std::string docker_cache_file_name(const DockerReference& ref) {
    std::string name = ref.repo;
    std::replace(name.begin(), name.end(), '/', '_');
    return name + "_" + ref.tag + ".gguf";
}

}  // namespace cria::download
