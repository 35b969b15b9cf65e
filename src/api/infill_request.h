// /infill requests: a prefix and a suffix around the code to write, plus /completion's options.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/completion_request.h"

namespace cria {

struct InfillFile {
    std::string filename;
    std::string text;
};

struct InfillRequest {
    std::string prefix;                // input_prefix
    std::string suffix;                // input_suffix
    std::vector<InfillFile> extra;     // input_extra: other files of the project, as context
    std::string middle_start;          // prompt: text the middle must start with (may be "")
    CompletionRequest options;         // every /completion option (its `prompt` is unused)
};

InfillRequest parse_infill_request(const nlohmann::json& body, const CompletionDefaults& defaults,
                                   const std::string& raw_body = {});

}  // namespace cria
