#include "http/api_keys.h"

#include <algorithm>

namespace cria {

// Routes that answer without an API key, as in llama-server: probes and model listing. `path` is
// without the --api-prefix.
bool is_public_path(const std::string& path) {
    return path == "/health" || path == "/v1/health" || path == "/models" || path == "/v1/models";
}

bool has_valid_api_key(const httplib::Request& req, const std::vector<std::string>& keys) {
    std::string presented;
    const std::string auth = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    if (auth.compare(0, bearer.size(), bearer) == 0) {
        presented = auth.substr(bearer.size());
    } else {
        presented = req.get_header_value("X-Api-Key");
    }
    if (presented.empty()) return false;
    // Compared in constant time, so response timing does not reveal how much of a key matched.
    bool match = false;
    for (const auto& key : keys) {
        unsigned char diff = key.size() == presented.size() ? 0 : 1;
        for (size_t i = 0; i < presented.size(); ++i) {
            diff |= static_cast<unsigned char>(presented[i] ^ key[i % std::max<size_t>(key.size(), 1)]);
        }
        match |= diff == 0;
    }
    return match;
}

}  // namespace cria
