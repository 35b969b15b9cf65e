// The token-level steps of the front end: prompts, logit-bias strings, images and fill-in-the-
// middle prompts turned into tokens. Every error is a 400 ApiError naming the request's field.
#pragma once

#include <string>
#include <vector>

#include "api/completion_request.h"
#include "api/image_input.h"
#include "api/infill_request.h"
#include "frontend/tokenizer.h"

namespace cria {

// A prompt ready for the engine: tokens with image placeholders, and where each image is.
struct PromptTokens {
    std::vector<Token> tokens;        // image positions hold placeholders (is_image_position)
    std::vector<PromptImage> images;
};

// Tokenizes the parts in order, checking ids against the vocabulary (errors name `field`); with
// add_bos, a text first part gets the model's BOS. The result may be empty.
std::vector<Token> tokenize_parts(const std::vector<PromptPart>& parts, const Tokenizer& tokenizer, const char* field,
                                  bool add_bos);

// Tokenizes the parts in order. A BOS token is added (if the model wants one) only when the prompt
// starts with text. Throws ApiError naming `field` for ids outside the vocabulary or an empty result.
std::vector<Token> tokenize_prompt(const std::vector<PromptPart>& prompt, const Tokenizer& tokenizer,
                                   const char* field = "prompt");

// Token ids are checked against the vocabulary; text is tokenized and each of its tokens biased.
std::vector<LogitBias> resolve_logit_bias(const std::vector<LogitBiasRequest>& entries, const Tokenizer& tokenizer);

// The prompt as text for responses: a single string part as given, else the tokens detokenized.
std::string prompt_as_text(const std::vector<PromptPart>& parts, const std::vector<Token>& tokens,
                           const Tokenizer& tokenizer);

// Tokenizes `parts` (text, and images[i] for image part i) through the image tokenizer, with the
// model's BOS first when add_bos. 400 naming images[0].field when there is none (`images_in` is
// null: the server has no --mmproj), or the field of an image the projector cannot read.
PromptTokens tokenize_with_images(const ImageTokenizer* images_in, const std::vector<MediaPromptPart>& parts,
                                  const std::vector<ImageFile>& images, bool add_bos);

// The fill-in-the-middle prompt: [BOS] (FIM_SEP file)* FIM_PRE prefix FIM_SUF suffix FIM_MID start,
// or with `spm_order` (--spm-infill) FIM_SUF suffix FIM_PRE prefix before FIM_MID. Without a
// separator token, extra files are written as text ahead of the prefix. Throws a 400 if the model
// has no FIM tokens.
std::vector<Token> build_infill_prompt(const InfillRequest& request, const Tokenizer& tokenizer, bool spm_order = false);

}  // namespace cria
