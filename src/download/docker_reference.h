// A -dr/--docker-repo reference ("[<repo>/]<model>[:tag]") and the cache file it becomes: plain
// text rules, apart from the registry client (docker_registry.h), so the option parser (and its
// fuzz target) use them without the HTTP code.
#pragma once

#include <optional>
#include <string>

namespace cria::download {

struct DockerReference {
    std::string repo;  // "ai/smollm2"
    std::string tag;   // "latest", "135M-Q4_0"
};

// "smollm2" -> ai/smollm2:latest; "me/model:Q8_0" -> me/model:Q8_0. Names are letters, digits and
// '.', '_', '-', starting with a letter, digit or '_' (path parts joined by '/'); the tag at most
// 128 of those. nullopt and *error when not.
std::optional<DockerReference> parse_docker_reference(const std::string& text, std::string* error);

// Where llama-server keeps the model: "ai_smollm2_latest.gguf".
std::string docker_cache_file_name(const DockerReference& ref);

}  // namespace cria::download
