// API keys: which requests need one and whether the one presented is valid. Shared by cria's
// server and the router's (src/router/); llama-free.
#pragma once

#include <string>
#include <vector>

#include <httplib.h>

namespace cria {

// Routes that answer without an API key, as in llama-server: probes and model listing. `path` is
// without the --api-prefix.
bool is_public_path(const std::string& path);

// The request's key (Authorization: Bearer KEY, else X-Api-Key) is one of `keys`, compared in
// constant time so that response timing does not reveal how much of a key matched.
bool has_valid_api_key(const httplib::Request& req, const std::vector<std::string>& keys);

}  // namespace cria
