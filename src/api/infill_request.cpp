#include "api/infill_request.h"

#include "api/json_fields.h"

namespace cria {

InfillRequest parse_infill_request(const json& body, const CompletionDefaults& defaults, const std::string& raw_body) {
    InfillRequest r;
    r.prefix = read_string(body, "input_prefix", "");
    r.suffix = read_string(body, "input_suffix", "");
    r.middle_start = read_string(body, "prompt", "");
    if (has_field(body, "input_extra")) {
        const json& extra = body.at("input_extra");
        if (!extra.is_array()) throw invalid_request("'input_extra' must be an array of {filename, text} objects", "input_extra");
        for (const auto& chunk : extra) {
            if (!chunk.is_object()) throw invalid_request("'input_extra' must contain {filename, text} objects", "input_extra");
            InfillFile file;
            try {
                file.filename = read_string(chunk, "filename", "");
                file.text = read_string(chunk, "text", "");
            } catch (const ApiError& e) {
                throw invalid_request("'input_extra': " + e.message, "input_extra");
            }
            r.extra.push_back(std::move(file));
        }
    }
    // The options are /completion's; the prompt is built from the parts above instead.
    json options = body;
    options["prompt"] = "";
    r.options = parse_completion_request(options, defaults, raw_body);
    return r;
}

}  // namespace cria
