#include "frontend/chat_prompt.h"

#include <ctime>

#include "api/openai_chat.h"
#include "template/builtin_templates.h"
#include "template/chat_template.h"

namespace cria {

const std::string& chat_template_source(const std::string& chosen, const std::string& model_template) {
    if (const std::string* named = builtin_template(chosen)) return *named;
    if (!chosen.empty()) return chosen;
    return model_template.empty() ? chatml_template() : model_template;
}

namespace {
// Today as Llama 3.x templates print it ("02 Dec 2026"); llama-server passes it as date_string too.
std::string today_date_string() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[32];
    return std::string(text, std::strftime(text, sizeof text, "%d %b %Y", &local));
}
}  // namespace

std::string render_conversation(const std::string& template_source, const Tokenizer& tokenizer,
                                const nlohmann::json& messages, const nlohmann::json& tools) {
    nlohmann::json extra = {{"bos_token", tokenizer.piece(tokenizer.bos(), true)},
                            {"eos_token", tokenizer.piece(tokenizer.eos(), true)},
                            {"date_string", today_date_string()}};
    if (!tools.empty()) extra["tools"] = tools;
    try {
        return render_chat(template_source, messages, true, extra);
    } catch (const jinja::TemplateError& e) {
        // raise_exception() in a template is how it refuses a conversation (e.g. roles that do
        // not alternate): that is the client's request, not a server fault.
        throw invalid_request(std::string("the chat template refused the messages: ") + e.what(), "messages");
    }
}

PromptTokens tokenize_conversation(const Tokenizer& tokenizer, const ImageTokenizer* images_in, const std::string& text,
                                   const std::vector<ImageFile>& images) {
    // Templates that write the BOS token themselves must not get a second one.
    const std::string bos = tokenizer.piece(tokenizer.bos(), true);
    const bool has_bos = !bos.empty() && text.compare(0, bos.size(), bos) == 0;
    if (images.empty()) return {tokenizer.tokenize(text, /*add_special=*/!has_bos, /*parse_special=*/true), {}};
    return tokenize_with_images(images_in, split_image_markers(text, images.size(), "messages"), images, !has_bos);
}

}  // namespace cria
