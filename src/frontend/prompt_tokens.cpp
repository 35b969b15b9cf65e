#include "frontend/prompt_tokens.h"

#include <variant>

namespace cria {

namespace {

std::string outside_vocabulary(const char* field, const char* what, Token id, const Tokenizer& tokenizer) {
    return std::string("'") + field + "' " + what + " token id " + std::to_string(id) + ", outside the vocabulary [0, " +
           std::to_string(tokenizer.size() - 1) + "]";
}

}  // namespace

std::vector<Token> tokenize_parts(const std::vector<PromptPart>& prompt, const Tokenizer& tokenizer, const char* field,
                                  bool add_bos) {
    std::vector<Token> tokens;
    for (size_t i = 0; i < prompt.size(); ++i) {
        if (const auto* text = std::get_if<std::string>(&prompt[i])) {
            // Only a prompt that starts with text gets the model's BOS; special tokens written as
            // text (e.g. "<|im_start|>") become their control tokens, as chat templates need.
            const auto piece = tokenizer.tokenize(*text, /*add_special=*/add_bos && i == 0, /*parse_special=*/true);
            tokens.insert(tokens.end(), piece.begin(), piece.end());
        } else {
            const Token id = std::get<Token>(prompt[i]);
            if (!tokenizer.contains(id)) throw invalid_request(outside_vocabulary(field, "contains", id, tokenizer), field);
            tokens.push_back(id);
        }
    }
    return tokens;
}

std::vector<Token> tokenize_prompt(const std::vector<PromptPart>& prompt, const Tokenizer& tokenizer, const char* field) {
    std::vector<Token> tokens = tokenize_parts(prompt, tokenizer, field, /*add_bos=*/true);
    if (tokens.empty()) throw invalid_request(std::string("'") + field + "' is empty", field);
    return tokens;
}

std::vector<LogitBias> resolve_logit_bias(const std::vector<LogitBiasRequest>& entries, const Tokenizer& tokenizer) {
    std::vector<LogitBias> out;
    for (const auto& entry : entries) {
        if (const auto* text = std::get_if<std::string>(&entry.target)) {
            for (const Token t : tokenizer.tokenize(*text, false, false)) out.push_back({t, entry.bias});
            continue;
        }
        const Token id = std::get<Token>(entry.target);
        if (!tokenizer.contains(id)) {
            throw invalid_request(outside_vocabulary("logit_bias", "names", id, tokenizer), "logit_bias");
        }
        out.push_back({id, entry.bias});
    }
    return out;
}

std::string prompt_as_text(const std::vector<PromptPart>& parts, const std::vector<Token>& tokens,
                           const Tokenizer& tokenizer) {
    if (parts.size() == 1 && std::holds_alternative<std::string>(parts[0])) return std::get<std::string>(parts[0]);
    return tokenizer.detokenize(tokens);
}

PromptTokens tokenize_with_images(const ImageTokenizer* images_in, const std::vector<MediaPromptPart>& parts,
                                  const std::vector<ImageFile>& images, bool add_bos) {
    const std::string& field = images.front().field;
    if (images_in == nullptr) {
        throw invalid_request("'" + field + "' sends " + (images.front().video ? "a video" : "an image") +
                                  ", but this model has no multimodal projector: start the server with --mmproj FILE "
                                  "to give it images and videos",
                              field);
    }
    std::vector<MediaFile> files;
    files.reserve(images.size());
    for (const auto& image : images) files.push_back({image.bytes, image.video, image.video_limits});
    MediaPrompt prompt = images_in->tokenize(parts, files, add_bos);
    if (!prompt.ok()) {
        if (prompt.bad_image >= 0) {
            const ImageFile& bad = images[static_cast<size_t>(prompt.bad_image)];
            throw invalid_request(bad.description + " " + prompt.error, bad.field);
        }
        throw invalid_request("'" + field + "': " + prompt.error, field);
    }
    return PromptTokens{std::move(prompt.tokens), std::move(prompt.images)};
}

std::vector<Token> build_infill_prompt(const InfillRequest& request, const Tokenizer& tokenizer, bool spm_order) {
    const Token pre = tokenizer.fim_prefix();
    const Token suf = tokenizer.fim_suffix();
    const Token mid = tokenizer.fim_middle();
    if (pre < 0 || suf < 0 || mid < 0) {
        throw invalid_request("this model has no fill-in-the-middle tokens, so it cannot infill", "input_prefix");
    }
    auto text = [&](const std::string& s) { return tokenizer.tokenize(s, false, false); };
    auto append = [](std::vector<Token>& to, const std::vector<Token>& from) { to.insert(to.end(), from.begin(), from.end()); };

    std::vector<Token> tokens;
    if (tokenizer.adds_bos()) tokens.push_back(tokenizer.bos());
    std::string prefix = request.prefix;
    const Token sep = tokenizer.fim_separator();
    for (const auto& file : request.extra) {
        if (sep >= 0) {
            tokens.push_back(sep);
            append(tokens, text(file.filename + "\n" + file.text));
        } else {
            prefix = file.filename + "\n" + file.text + "\n" + prefix;
        }
    }
    std::vector<Token> prefix_part{pre};
    append(prefix_part, text(prefix));
    std::vector<Token> suffix_part{suf};
    append(suffix_part, text(request.suffix));
    append(tokens, spm_order ? suffix_part : prefix_part);
    append(tokens, spm_order ? prefix_part : suffix_part);
    tokens.push_back(mid);
    append(tokens, text(request.middle_start));
    return tokens;
}

}  // namespace cria
