// /infill requests: a prefix and a suffix around the code to write, plus /completion's options.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/completion_request.h"
#include "engine/vocabulary.h"

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

// The fill-in-the-middle prompt: [BOS] (FIM_SEP file)* FIM_PRE prefix FIM_SUF suffix FIM_MID start.
// Without a separator token, extra files are written as text ahead of the prefix. Throws a 400 if
// the model has no FIM tokens.
std::vector<Token> build_infill_prompt(const InfillRequest& request, const Vocabulary& vocabulary);

}  // namespace cria
