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

std::vector<Token> build_infill_prompt(const InfillRequest& request, const Vocabulary& vocabulary) {
    const Token pre = vocabulary.fim_prefix();
    const Token suf = vocabulary.fim_suffix();
    const Token mid = vocabulary.fim_middle();
    if (pre < 0 || suf < 0 || mid < 0) {
        throw invalid_request("this model has no fill-in-the-middle tokens, so it cannot infill", "input_prefix");
    }
    auto text = [&](const std::string& s) { return vocabulary.tokenize(s, false, false); };
    auto append = [](std::vector<Token>& to, const std::vector<Token>& from) { to.insert(to.end(), from.begin(), from.end()); };

    std::vector<Token> tokens;
    if (vocabulary.adds_bos()) tokens.push_back(vocabulary.bos());
    std::string prefix = request.prefix;
    const Token sep = vocabulary.fim_separator();
    for (const auto& file : request.extra) {
        if (sep >= 0) {
            tokens.push_back(sep);
            append(tokens, text(file.filename + "\n" + file.text));
        } else {
            prefix = file.filename + "\n" + file.text + "\n" + prefix;
        }
    }
    tokens.push_back(pre);
    append(tokens, text(prefix));
    tokens.push_back(suf);
    append(tokens, text(request.suffix));
    tokens.push_back(mid);
    append(tokens, text(request.middle_start));
    return tokens;
}

}  // namespace cria
