#include "frontend/chat_prompt.h"

#include <ctime>
#include <memory>

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
                                const nlohmann::json& messages, const nlohmann::json& tools, const nlohmann::json& variables,
                                bool add_generation_prompt) {
    nlohmann::json extra = variables.is_object() ? variables : nlohmann::json::object();
    extra["bos_token"] = tokenizer.piece(tokenizer.bos(), true);
    extra["eos_token"] = tokenizer.piece(tokenizer.eos(), true);
    if (!extra.contains("date_string")) extra["date_string"] = today_date_string();  // Llama 3.x reads it
    if (!tools.empty()) extra["tools"] = tools;
    try {
        return render_chat(template_source, messages, add_generation_prompt, extra);
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

namespace cria {

namespace {

bool ends_with_open_think(const std::string& prompt) {
    const size_t end = prompt.find_last_not_of(" \t\r\n");
    if (end == std::string::npos) return false;
    const std::string_view text(prompt.data(), end + 1);
    for (std::string_view open : {"<think>", "<|START_THINKING|>", "[THINK]"}) {
        if (text.size() >= open.size() && text.substr(text.size() - open.size()) == open) return true;
    }
    return false;
}

bool template_thinks(const std::string& source) {
    for (const char* sign : {"<think>", "<|START_THINKING|>", "[THINK]", "reasoning_content", "enable_thinking", "<|channel|>"}) {
        if (source.find(sign) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

nlohmann::json template_variables(const ChatSettings& settings, const ChatRequest& request) {
    nlohmann::json vars = nlohmann::json::object();
    if (settings.reasoning != "auto") vars["enable_thinking"] = settings.reasoning == "on";
    if (settings.reasoning_budget == 0) vars["enable_thinking"] = false;
    if (settings.reasoning_effort != "default") vars["reasoning_effort"] = settings.reasoning_effort;
    if (!settings.chat_template_kwargs.empty()) {
        const auto server = nlohmann::json::parse(settings.chat_template_kwargs, nullptr, false);
        if (server.is_object()) vars.update(server);
    }
    if (request.reasoning_budget == 0) vars["enable_thinking"] = false;
    if (request.chat_template_kwargs.is_object()) vars.update(request.chat_template_kwargs);
    return vars;
}

nlohmann::json template_messages(const ChatSettings& settings, const nlohmann::json& messages, bool object_arguments,
                                 bool null_content) {
    nlohmann::json out = messages;
    for (auto& m : out) {
        if (!null_content && m.is_object() && m.contains("content") && m["content"].is_null()) m["content"] = "";
    }
    // Calls' arguments arrive as JSON text; most templates iterate them (arguments|items) or write
    // them with tojson, so they get the object (text that is not JSON stays text).
    for (auto& m : out) {
        if (!object_arguments) break;
        if (!m.is_object() || !m.contains("tool_calls") || !m["tool_calls"].is_array()) continue;
        for (auto& call : m["tool_calls"]) {
            if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) continue;
            auto& f = call["function"];
            if (!f.contains("arguments") || !f["arguments"].is_string()) continue;
            auto parsed = nlohmann::json::parse(f["arguments"].get<std::string>(), nullptr, false);
            if (parsed.is_object()) f["arguments"] = std::move(parsed);
        }
    }
    if (settings.reasoning_preserve) return out;
    size_t last = out.size();
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i].value("role", "") == "assistant") last = i;
    }
    for (size_t i = 0; i < out.size(); ++i) {
        if (i != last && out[i].is_object()) out[i].erase("reasoning_content");
    }
    return out;
}

AnswerOptions answer_options_for(const std::string& template_source, const std::string& prompt, const ChatSettings& settings,
                                 const ChatRequest& request) {
    AnswerOptions o;
    o.tools_offered = request.offers_tools();
    o.format = tool_format_for_template(template_source);
    const std::string& format = request.reasoning_format.empty() ? settings.reasoning_format : request.reasoning_format;
    if (!reasoning_format_from_name(format, &o.reasoning)) o.reasoning = ReasoningFormat::deepseek;
    o.starts_in_reasoning = ends_with_open_think(prompt);
    // As llama-server: thinking is read out only for templates that know it (a plain ChatML
    // template's model writing "<think>" is writing content).
    if (!o.starts_in_reasoning && !template_thinks(template_source)) o.reasoning = ReasoningFormat::none;
    o.parallel_tool_calls = request.parallel_tool_calls;
    o.parse = !settings.skip_chat_parsing;
    if (o.tools_offered) o.parameter_types = std::make_shared<const ToolParameterTypes>(tool_parameter_types(request.tools));
    return o;
}

}  // namespace cria
