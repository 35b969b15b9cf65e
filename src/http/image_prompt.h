// Prompts with images, for the routes that take them (/completion, /embedding, chat): the checks
// that need the loaded model, and tokenizing through its vision projector.
#pragma once

#include <vector>

#include "api/image_input.h"
#include "http/server_context.h"

namespace cria {

struct ImagePrompt {
    std::vector<Token> tokens;        // image positions hold placeholders (is_image_position)
    std::vector<PromptImage> images;
};

// Tokenizes `parts` (text, and images[i] for image part i) through the projector, with the
// model's BOS first when add_bos. 400 naming images[0].field when the server has no projector
// (--mmproj), or the field of an image the projector cannot read.
ImagePrompt tokenize_with_images(const ServerContext& context, const std::vector<MediaPromptPart>& parts,
                                 const std::vector<ImageFile>& images, bool add_bos);

}  // namespace cria
