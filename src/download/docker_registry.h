// -dr, --docker-repo [<repo>/]<model>[:tag]: a GGUF model from Docker Hub's OCI registry, as
// llama-server 0.7 fetches it: the repository defaults to the "ai/" namespace and the tag to
// "latest"; an anonymous pull token from the registry's token service; the image manifest; the
// first layer whose media type is application/vnd.docker.ai.gguf.v3 (or names gguf); that blob,
// downloaded with the bearer token into the cache as "<repo with '/' as '_'>_<tag>.gguf".
//
// llama-server has Docker Hub's registry and token service built in. cria names no registry host of
// its own (a rule of this project): two variables say where the registry is, for Docker Hub as for a
// mirror, a private registry or a test one:
//   CRIA_DOCKER_REGISTRY  the registry's base URL
//   CRIA_DOCKER_AUTH      the token service's URL, with its ?service= parameter; cria adds the
//                         repository's pull scope
// Without them -dr is an error saying so (a cached file is still used with --offline).
#pragma once

#include <optional>
#include <string>

#include "download/docker_reference.h"
#include "download/model_download.h"
#include "download/model_source.h"

namespace cria::download {

// $CRIA_DOCKER_REGISTRY without a trailing '/' ("" when unset).
std::string docker_registry_url(const EnvLookup& env);
// $CRIA_DOCKER_AUTH with scope=repository:<repo>:pull added ("" when unset).
std::string docker_token_url(const EnvLookup& env, const std::string& repo);

// The digest ("sha256:<64 hex>", lower-cased) of the manifest's GGUF layer. nullopt and *error when
// the text is no manifest, has no such layer, or the digest is malformed.
std::optional<std::string> gguf_layer_digest(const std::string& manifest_json, std::string* error);

// The download of request.docker_repo: token and manifest are fetched now (not with --offline, nor
// when the registry cannot be reached but the file is cached: then the cached file is used, with a
// warning). The returned fetch is the blob with its token, kept at request.destination (-m) or in
// `cache_dir`. nullopt and *error on failure.
std::optional<FileFetch> docker_model_fetch(const ModelFetchRequest& request, const EnvLookup& env,
                                            const std::string& cache_dir, std::string* error);

}  // namespace cria::download
