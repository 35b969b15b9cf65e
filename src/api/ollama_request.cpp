// Ollama's request bodies as cria's typed requests (api/ollama_request.h).
#include "api/ollama_request.h"

#include "api/json_fields.h"

namespace cria {

namespace {

// A native parser's error, in Ollama's names: an option, `format` for the schema.
[[noreturn]] void rethrow_in_ollama_terms(ApiError error) {
    rename_native_fields(error);
    for (const char* native : {"response_format", "json_schema"}) {
        if (error.param != native) continue;
        const std::string from = std::string("'") + native + "'";
        for (size_t at = error.message.find(from); at != std::string::npos; at = error.message.find(from)) {
            error.message.replace(at, from.size(), "'format'");
        }
        error.param = "format";
    }
    throw error;
}

// The body's `format` schema as written (nlohmann::json sorts keys; the grammar keeps the order
// of properties as the client wrote them), wrapped as the native parser reads it. "" if none.
std::string ordered_schema(const std::string& raw_body, bool for_chat) {
    if (raw_body.empty()) return "";
    const auto ordered = nlohmann::ordered_json::parse(raw_body, nullptr, /*allow_exceptions=*/false);
    if (!ordered.is_object() || !ordered.contains("format") || !ordered["format"].is_object()) return "";
    const auto& schema = ordered["format"];
    if (!for_chat) return nlohmann::ordered_json{{"json_schema", schema}}.dump();
    nlohmann::ordered_json rf = {{"type", "json_schema"}, {"json_schema", {{"schema", schema}}}};
    return nlohmann::ordered_json{{"response_format", rf}}.dump();
}

std::vector<ImageFile> generate_images(const json& body, const RequestLimits& limits) {
    std::vector<ImageFile> images;
    if (!has_field(body, "images")) return images;
    const json& list = body.at("images");
    if (!list.is_array()) throw invalid_request("'images' must be an array of base64 strings", "images");
    check_limit(list.size(), limits.max_images, "images", "images", "--max-images");
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = "images[" + std::to_string(i) + "]";
        if (!list[i].is_string()) throw invalid_request("'" + where + "' must be a base64 string", "images");
        ImageFile image;
        image.id = static_cast<int64_t>(i);
        image.bytes = decode_data_url("data:image/png;base64," + list[i].get<std::string>(), "images",
                                      limits.max_image_bytes, limits.max_image_pixels);
        image.field = "images";
        image.description = "'" + where + "'";
        images.push_back(std::move(image));
    }
    return images;
}

std::vector<Token> generate_context(const json& body, const RequestLimits& limits) {
    std::vector<Token> tokens;
    if (!has_field(body, "context")) return tokens;
    const json& list = body.at("context");
    if (!list.is_array()) throw invalid_request("'context' must be an array of token ids", "context");
    check_limit(list.size(), limits.max_detokenize_tokens, "context", "token ids", "--max-detokenize-tokens");
    for (const auto& id : list) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
            throw invalid_request("'context' must contain only token ids (integers >= 0)", "context");
        }
        tokens.push_back(static_cast<Token>(id.get<int64_t>()));
    }
    return tokens;
}

// check_limit for a part of one message: the message names its path, the param is "messages"
// (as chat's parser names every error inside the conversation).
// The sizes of a chat body, before any of it is converted: messages (as Responses counts its input
// items), tools, and per message its images and tool calls.
void check_chat_sizes(const json& body, const RequestLimits& limits) {
    if (has_field(body, "messages") && body.at("messages").is_array()) {
        const json& messages = body.at("messages");
        check_limit(messages.size(), limits.max_input_items, "messages", "messages", "--max-input-items");
        for (size_t i = 0; i < messages.size(); ++i) {
            if (!messages[i].is_object()) continue;  // named by the conversion
            const std::string where = "messages[" + std::to_string(i) + "]";
            const auto images = messages[i].find("images");
            if (images != messages[i].end() && images->is_array()) {
                check_limit_in(images->size(), limits.max_images, where + ".images", "messages", "images", "--max-images");
            }
            const auto calls = messages[i].find("tool_calls");
            if (calls != messages[i].end() && calls->is_array()) {
                check_limit_in(calls->size(), limits.max_tools, where + ".tool_calls", "messages", "calls", "--max-tools");
            }
        }
    }
    if (has_field(body, "tools") && body.at("tools").is_array()) {
        check_limit(body.at("tools").size(), limits.max_tools, "tools", "tools", "--max-tools");
    }
}

}  // namespace

ChatRequest parse_ollama_chat(const json& body, const CompletionDefaults& defaults, const std::string& raw_body) {
    check_chat_sizes(body, defaults.limits);
    json openai = ollama_options_to_native(body, /*for_chat=*/true);
    openai["messages"] = ollama_messages_to_openai(body);
    openai["stream"] = read_bool(body, "stream", true);  // Ollama streams unless told not to
    if (has_field(body, "tools")) openai["tools"] = body.at("tools");
    // Not Ollama's: OpenAI's tool_choice, which cria also takes here (Ollama cannot force a call).
    if (has_field(body, "tool_choice")) openai["tool_choice"] = body.at("tool_choice");
    const json schema = ollama_format_schema(body);
    if (!schema.is_null()) openai["response_format"] = {{"type", "json_schema"}, {"json_schema", {{"schema", schema}}}};
    ollama_keep_alive_is_zero(body);  // checked, not acted on
    ChatRequest request;
    try {
        request = parse_chat_request(openai, defaults, ordered_schema(raw_body, /*for_chat=*/true));
    } catch (const ApiError& e) {
        rethrow_in_ollama_terms(e);
    }
    apply_ollama_think(body, &request);
    return request;
}

json ollama_generate_native(const json& body, const std::vector<Token>& context, const std::string& prompt_text) {
    json native = ollama_options_to_native(body, /*for_chat=*/false);
    json prompt = json::array();
    for (const Token t : context) prompt.push_back(t);
    prompt.push_back(prompt_text);
    native["prompt"] = prompt;
    native["stream"] = read_bool(body, "stream", true);
    const json schema = ollama_format_schema(body);
    if (!schema.is_null()) native["json_schema"] = schema;
    return native;
}

OllamaGenerateRequest parse_ollama_generate(const json& body, const CompletionDefaults& defaults,
                                            const std::string& raw_body) {
    OllamaGenerateRequest r;
    r.prompt = read_string(body, "prompt", "");
    r.system = read_string(body, "system", "");
    if (has_field(body, "template")) r.template_text = read_string(body, "template", "");
    r.raw = read_bool(body, "raw", false);
    if (!read_string(body, "suffix", "").empty()) {
        throw invalid_request("'suffix' (fill in the middle) is not supported on /api/generate; use /infill", "suffix");
    }
    r.images = generate_images(body, defaults.limits);
    r.context = generate_context(body, defaults.limits);
    if (!r.images.empty() && !r.context.empty()) {
        throw invalid_request("'context' cannot be combined with 'images'", "context");
    }
    r.load_only = r.prompt.empty() && r.images.empty();
    r.unload = ollama_keep_alive_is_zero(body) && r.load_only;
    try {
        r.options = parse_completion_request(ollama_generate_native(body, r.context, r.prompt), defaults,
                                             ordered_schema(raw_body, /*for_chat=*/false));
    } catch (const ApiError& e) {
        rethrow_in_ollama_terms(e);
    }
    apply_ollama_think(body, &r.think);
    return r;
}

OllamaEmbedRequest parse_ollama_embed(const json& body, const RequestLimits& limits) {
    OllamaEmbedRequest r;
    r.embedding.field = "input";
    ollama_options_to_native(body, false);  // type-checked; nothing in them changes an embedding
    ollama_keep_alive_is_zero(body);
    read_bool(body, "truncate", true);  // inputs longer than a batch are refused either way
    r.dimensions = static_cast<int32_t>(read_int(body, "dimensions", 0, 0, INT32_MAX));
    if (!has_field(body, "input")) return r;
    const json& input = body.at("input");
    if (input.is_string()) {
        if (!input.get<std::string>().empty()) r.embedding.inputs.push_back({input.get<std::string>()});
        return r;
    }
    if (!input.is_array()) throw invalid_request("'input' must be a string or an array of strings", "input");
    check_limit(input.size(), limits.max_embedding_inputs, "input", "inputs", "--max-embedding-inputs");
    for (const auto& item : input) {
        if (!item.is_string()) throw invalid_request("'input' must contain only strings", "input");
        r.embedding.inputs.push_back({item.get<std::string>()});
    }
    return r;
}

EmbeddingRequest parse_ollama_embeddings(const json& body) {
    EmbeddingRequest r;
    r.field = "prompt";
    ollama_options_to_native(body, false);
    ollama_keep_alive_is_zero(body);
    const std::string prompt = read_string(body, "prompt", "");
    if (!prompt.empty()) r.inputs.push_back({prompt});
    return r;
}

}  // namespace cria
