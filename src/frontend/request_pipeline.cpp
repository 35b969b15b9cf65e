#include "frontend/request_pipeline.h"

#include <algorithm>
#include <variant>

#include "api/gbnf_check.h"
#include "api/tool_calls.h"
#include "frontend/chat_prompt.h"
#include "frontend/prompt_tokens.h"
#include "frontend/reasoning_budget.h"

namespace cria {

namespace {

// Step 2. The system prompt a request runs with: its own (tokenized when first needed, after the
// first prompt's tokens) or the server's. Remembers the request's own as the pending change.
class SystemPromptStep {
public:
    SystemPromptStep(const std::optional<SystemPrompt>& requested, std::shared_ptr<const ActiveSystemPrompt> current)
        : requested_(requested), active_(std::move(current)) {}

    // The system prompt's tokens, then the prompt's (whose own BOS goes: the system prompt
    // already starts the sequence with one). Images move with their text.
    void apply(PromptTokens& prompt, const Tokenizer& tokenizer) {
        if (requested_ && !pending_) active_ = pending_ = make_system_prompt(*requested_, tokenizer);
        if (!active_ || active_->tokens.empty()) return;
        const std::vector<Token>& own = prompt.tokens;
        const bool own_bos = tokenizer.adds_bos() && !own.empty() && own.front() == tokenizer.bos();
        std::vector<Token> joined = active_->tokens;
        joined.insert(joined.end(), own.begin() + (own_bos ? 1 : 0), own.end());
        for (auto& image : prompt.images) image.position = image.position + joined.size() - own.size();
        prompt.tokens = std::move(joined);
    }

    std::shared_ptr<const ActiveSystemPrompt> pending() const { return pending_; }

private:
    const std::optional<SystemPrompt>& requested_;
    std::shared_ptr<const ActiveSystemPrompt> active_;
    std::shared_ptr<const ActiveSystemPrompt> pending_;
};

// Step 4.
void check_grammar(const std::string& grammar, bool from_schema, const Tokenizer& tokenizer) {
    if (grammar.empty()) return;
    // Our checker says where a grammar is wrong; libllama's parser, which only says that it is,
    // stays the final word.
    std::string where = gbnf_syntax_error(grammar);
    if (where.empty() && !tokenizer.grammar_parses(grammar)) where = "not valid GBNF";
    if (where.empty()) return;
    const char* field = from_schema ? "json_schema" : "grammar";
    throw invalid_request(std::string("Failed to parse grammar ('") + field + "'): " + where, field);
}

// Step 5.
void check_context(size_t prompt_size, int32_t n_ctx_slot) {
    if (static_cast<int64_t>(prompt_size) < n_ctx_slot) return;
    throw exceed_context_size_error(static_cast<int64_t>(prompt_size), n_ctx_slot);
}

// The look-back windows never reach past a slot's context: a larger value (say 2^31 - 1) means the
// same as the whole context, and the sampler sizes buffers by it. -1 (the whole context) stays -1.
void clamp_look_back(SamplingParams& sampling, int32_t n_ctx_slot) {
    if (n_ctx_slot <= 0) return;
    sampling.repeat_last_n = std::min(sampling.repeat_last_n, n_ctx_slot);
    sampling.dry_penalty_last_n = std::min(sampling.dry_penalty_last_n, n_ctx_slot);
}

// Steps 2 to 5 for a prompt tokenized by step 1. `system` is null where the route has none.
GenerationRequest finish_generation(const FrontendModel& model, const CompletionRequest& options, PromptTokens prompt,
                                    SystemPromptStep* system) {
    if (system != nullptr) system->apply(prompt, model.tokenizer);
    if (model.embedding_mode) {
        // The context outputs embeddings, not logits: there is nothing to sample from.
        throw not_supported_error("This server runs in embedding mode (--embedding): it does not generate text.");
    }
    GenerationRequest generation = options.generation;
    clamp_look_back(generation.sampling, model.n_ctx_slot);
    generation.prompt = std::move(prompt.tokens);
    generation.images = std::move(prompt.images);
    generation.sampling.logit_bias = resolve_logit_bias(options.logit_bias, model.tokenizer);
    if (options.penalty_prompt) {
        // Text given here is what the penalties compare against, not a prompt: no BOS.
        generation.sampling.penalty_prompt = tokenize_parts(*options.penalty_prompt, model.tokenizer, "penalty_prompt", false);
    }
    check_grammar(generation.sampling.grammar, options.grammar_from_schema, model.tokenizer);
    check_context(generation.prompt.size(), model.n_ctx_slot);
    return generation;
}

// Step 1 of /completion for one of its prompts (`parts`, and `media` from its multimodal_data):
// with image_data, the images placed by [img-N]; with multimodal_data, its media at its markers.
PromptTokens tokenize_completion_prompt(const FrontendModel& model, const CompletionRequest& request,
                                        const std::vector<PromptPart>& parts, const std::vector<ImageFile>& media) {
    if (!media.empty()) {
        if (!request.images.empty()) {
            throw invalid_request("give images either in 'image_data' or in the prompt's 'multimodal_data', not both", "prompt");
        }
        // An object prompt is always one string; its markers say where each file goes.
        const auto pieces = split_image_markers(std::get<std::string>(parts.front()), media.size(), "prompt");
        return tokenize_with_images(model.images, pieces, media, /*add_bos=*/true);
    }
    if (request.images.empty()) return {tokenize_prompt(parts, model.tokenizer), {}};
    // The images go where the prompt says [img-N]; the prompt is then one string.
    if (request.prompts.size() > 1 || parts.size() != 1 || !std::holds_alternative<std::string>(parts.front())) {
        throw invalid_request("with 'image_data', 'prompt' must be a string that places the images with [img-N]", "prompt");
    }
    const auto pieces = split_image_references(std::get<std::string>(parts.front()), request.images, "prompt");
    return tokenize_with_images(model.images, pieces, request.images, /*add_bos=*/true);
}

}  // namespace

PreparedRequest prepare_completion(const FrontendModel& model, const CompletionRequest& request,
                                   std::shared_ptr<const ActiveSystemPrompt> current) {
    SystemPromptStep system(request.system_prompt, std::move(current));
    PreparedRequest prepared;
    const auto add = [&](const std::vector<PromptPart>& parts, const std::vector<ImageFile>& media) {
        PromptTokens prompt = tokenize_completion_prompt(model, request, parts, media);
        std::string text = prompt_as_text(parts, prompt.tokens, model.tokenizer);
        prepared.prompts.push_back({finish_generation(model, request, std::move(prompt), &system), std::move(text)});
        open_if_prompt_ends_in_tag(prepared.prompts.back().generation.reasoning_budget, prepared.prompts.back().prompt_text);
    };
    // /completion fills `prompts`; the routes that parse its fields without its prompt shapes
    // (Ollama's generate) have the one `prompt`.
    if (request.prompts.empty()) add(request.prompt, {});
    for (const CompletionPrompt& each : request.prompts) add(each.parts, each.media);
    prepared.new_system_prompt = system.pending();
    return prepared;
}

PreparedRequest prepare_openai_completion(const FrontendModel& model, const OpenAiCompletionRequest& request,
                                          std::shared_ptr<const ActiveSystemPrompt> current) {
    SystemPromptStep system(request.options.system_prompt, std::move(current));
    PreparedRequest prepared;
    for (const auto& parts : request.prompts) {
        PromptTokens prompt{tokenize_prompt(parts, model.tokenizer), {}};
        std::string text = prompt_as_text(parts, prompt.tokens, model.tokenizer);
        prepared.prompts.push_back({finish_generation(model, request.options, std::move(prompt), &system), std::move(text)});
        open_if_prompt_ends_in_tag(prepared.prompts.back().generation.reasoning_budget, prepared.prompts.back().prompt_text);
    }
    prepared.new_system_prompt = system.pending();
    return prepared;
}

PreparedRequest prepare_infill(const FrontendModel& model, const InfillRequest& request) {
    PromptTokens prompt{build_infill_prompt(request, model.tokenizer, model.spm_infill), {}};
    std::string text = model.tokenizer.detokenize(prompt.tokens, /*render_special=*/true);
    PreparedRequest prepared;
    prepared.prompts.push_back({finish_generation(model, request.options, std::move(prompt), nullptr), std::move(text)});
    return prepared;
}

namespace {

// `messages` through the template in effect, with the request's tools and template variables,
// ending with the assistant's turn opening unless !add_generation_prompt (Jinja templates only:
// libllama's built-in formats always add it).
std::string render_messages(const FrontendModel& model, const ChatRequest& request, const nlohmann::json& messages,
                            bool add_generation_prompt = true) {
    if (model.builtin_chat != nullptr) {  // --no-jinja
        return render_builtin_conversation(*model.builtin_chat, model.builtin_chat_template, model.chat_template,
                                           messages, request.offers_tools());
    }
    const nlohmann::json tools = request.offers_tools() ? request.tools : nlohmann::json::array();
    const nlohmann::json variables = template_variables(model.chat, request);
    auto render = [&](int shape) {
        return render_conversation(model.chat_template, model.tokenizer,
                                   template_messages(model.chat, messages, shape % 2 == 0, shape < 2), tools, variables,
                                   add_generation_prompt);
    };
    // Null contents kept or made "", arguments as objects or text: the first shape the template takes.
    for (int shape = 0; shape < 3; ++shape) {
        try {
            return render(shape);
        } catch (const ApiError&) {
        }
    }
    return render(3);  // its refusal is the answer
}

bool is_assistant(const nlohmann::json& message) { return message.value("role", "") == "assistant"; }

// --prefill-assistant: the whole conversation as the template writes it, cut right after the last
// assistant message's text, so that the model continues it (what llama-server's /apply-template shows): whatever the template puts before
// that text in the message (a think block of its reasoning_content, say) stays, its end of turn
// goes. A template that does not write the text as it is (or an empty text, or --no-jinja) gets
// the conversation before the message up to the assistant's turn opening, then the text. As
// llama-server, two assistant messages at the end, or a last one with tool calls, cannot be
// continued (400).
std::string render_prefilled(const FrontendModel& model, const ChatRequest& request) {
    const nlohmann::json& messages = request.messages;
    const nlohmann::json& last = messages.back();
    const std::string continued = "(a last assistant message is continued: --prefill-assistant)";
    if (messages.size() >= 2 && is_assistant(messages[messages.size() - 2])) {
        throw invalid_request("'messages': Cannot have 2 or more assistant messages at the end of the list " + continued,
                              "messages");
    }
    const auto calls = last.find("tool_calls");
    if (calls != last.end() && calls->is_array() && !calls->empty()) {
        throw invalid_request("'messages': Cannot continue an assistant message that contains tool calls " + continued,
                              "messages");
    }
    const auto content = last.find("content");
    const std::string text = content != last.end() && content->is_string() ? content->get<std::string>() : "";
    if (!text.empty() && model.builtin_chat == nullptr) {
        // The text is found by a marker in its place: searching for the text itself could match
        // inside the end of turn ("m" in "<|im_end|>").
        static const std::string marker = "\x01cria-prefill-assistant\x01";
        nlohmann::json marked = messages;
        marked.back()["content"] = marker;
        const std::string whole = render_messages(model, request, marked, /*add_generation_prompt=*/false);
        const size_t at = whole.rfind(marker);
        if (at != std::string::npos) return whole.substr(0, at) + text;
    }
    const nlohmann::json before(messages.begin(), messages.end() - 1);
    return render_messages(model, request, before) + text;
}

}  // namespace

std::string render_chat_prompt(const FrontendModel& model, const ChatRequest& request) {
    if (model.chat.prefill_assistant && request.messages.is_array() && !request.messages.empty() &&
        is_assistant(request.messages.back())) {
        return render_prefilled(model, request);
    }
    return render_messages(model, request, request.messages);
}

PreparedRequest prepare_chat(const FrontendModel& model, const ChatRequest& request) {
    std::string text = render_chat_prompt(model, request);
    CompletionRequest options = request.options;
    if (request.force_tool_call()) {
        // "required" or a named function: a grammar in the template's tool-call format.
        const std::string only = request.tool_choice == "required" ? std::string() : request.tool_choice;
        options.generation.sampling.grammar =
            tool_call_grammar(request.tools, only, tool_format_for_template(model.chat_template), request.max_grammar_bytes);
    }
    PromptTokens prompt = tokenize_conversation(model.tokenizer, model.images, text, request.images);
    GenerationRequest generation = finish_generation(model, options, std::move(prompt), nullptr);
    if (!request.max_tokens_given && generation.stop.n_predict < 0) {
        // OpenAI's default: as much as the context holds, then finish_reason "length".
        generation.stop.n_predict = model.n_ctx_slot - static_cast<int32_t>(generation.prompt.size());
    }
    PreparedRequest prepared;
    prepared.answer = answer_options_for(model.chat_template, text, model.chat, request);
    generation.reasoning_budget = chat_reasoning_budget(model.chat, request, prepared.answer);
    // As llama-server (its preserved tokens): Harmony's markup is control tokens, which the answer
    // reader must see as text to find the channels.
    generation.render_special = prepared.answer.format == ToolFormat::gpt_oss;
    prepared.prompts.push_back({std::move(generation), std::move(text)});
    return prepared;
}

std::vector<GenerationRequest> prepare_embeddings(const FrontendModel& model, const EmbeddingRequest& request) {
    std::vector<GenerationRequest> out;
    const int32_t limit = std::min(model.n_ubatch, model.n_ctx_slot - 1);
    for (const auto& input : request.inputs) {
        PromptTokens prompt;
        if (request.images.empty()) {
            prompt.tokens = tokenize_prompt(input, model.tokenizer, request.field);
        } else {
            const auto parts = split_image_references(std::get<std::string>(input.front()), request.images, request.field);
            prompt = tokenize_with_images(model.images, parts, request.images, /*add_bos=*/true);
        }
        if (static_cast<int32_t>(prompt.tokens.size()) > limit) {
            throw invalid_request("an input is " + std::to_string(prompt.tokens.size()) + " tokens long; at most " +
                                      std::to_string(limit) + " fit one batch (raise --ubatch-size and --ctx-size)",
                                  request.field);
        }
        GenerationRequest g;
        g.prompt = std::move(prompt.tokens);
        g.images = std::move(prompt.images);
        g.embed = true;
        g.cache_prompt = false;
        g.stop.n_predict = 0;
        out.push_back(std::move(g));
    }
    return out;
}

std::vector<GenerationRequest> expand_choices(const std::vector<PreparedPrompt>& prompts, int32_t n) {
    std::vector<GenerationRequest> out;
    for (const auto& prompt : prompts) {
        for (int32_t k = 0; k < n; ++k) {
            GenerationRequest g = prompt.generation;
            if (g.sampling.seed != kRandomSeed) g.sampling.seed += static_cast<uint32_t>(k);
            out.push_back(std::move(g));
        }
    }
    return out;
}

std::vector<ChoicePrompt> choice_prompts(const PreparedRequest& prepared) {
    std::vector<ChoicePrompt> out;
    for (const auto& prompt : prepared.prompts) {
        out.push_back({prompt.prompt_text, static_cast<int64_t>(prompt.generation.prompt.size())});
    }
    return out;
}

}  // namespace cria
