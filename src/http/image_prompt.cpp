#include "http/image_prompt.h"

namespace cria {

ImagePrompt tokenize_with_images(const ServerContext& context, const std::vector<MediaPromptPart>& parts,
                                 const std::vector<ImageFile>& images, bool add_bos) {
    const MediaProjector* media = context.engine.media();
    const std::string& field = images.front().field;
    if (media == nullptr || !media->supports_vision()) {
        throw invalid_request("'" + field + "' sends an image, but this model has no multimodal projector: start the "
                              "server with --mmproj FILE to give it images",
                              field);
    }
    std::vector<std::string_view> files;
    files.reserve(images.size());
    for (const auto& image : images) files.push_back(image.bytes);
    MediaPrompt prompt = media->tokenize(parts, files, add_bos);
    if (!prompt.ok()) {
        if (prompt.bad_image >= 0) {
            const ImageFile& bad = images[static_cast<size_t>(prompt.bad_image)];
            throw invalid_request(bad.description + " " + prompt.error, bad.field);
        }
        throw invalid_request("'" + field + "': " + prompt.error, field);
    }
    return ImagePrompt{std::move(prompt.tokens), std::move(prompt.images)};
}

}  // namespace cria
