// Prompts with images as plain data: what the HTTP side hands the vision projector
// (engine/multimodal.h) and what it gets back. No libllama or libmtmd here, so the request
// parsers in api/ can split prompts into these parts without seeing the projector.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/generation_request.h"

namespace cria {

// One piece of a prompt with images: text (image < 0), or images[image] of the request.
struct MediaPromptPart {
    std::string text;
    int32_t image = -1;
};

// What MediaProjector::tokenize() returns. On failure `error` says why, and bad_image names the
// image file at fault (-1 when it is not one image's fault); tokens and images are then empty.
struct MediaPrompt {
    std::vector<Token> tokens;
    std::vector<PromptImage> images;
    std::string error;
    int32_t bad_image = -1;
    bool ok() const { return error.empty(); }
};

}  // namespace cria
