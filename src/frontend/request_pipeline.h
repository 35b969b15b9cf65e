// The request pipeline: a typed request (api/) and the model's tokenizers in, engine requests out.
//
// Every route runs the same steps in the same order, one prompt after the other:
//   1. tokenize the prompt (text, token ids, images; chat: render the template first)
//   2. put the server's system prompt before it (/completion and /v1/completions only)
//   3. resolve logit-bias strings and the penalty prompt into tokens
//   4. check the grammar (ours says where it is wrong, libllama's has the last word)
//   5. check the prompt against a slot's context
// Each failed check throws a 400 ApiError naming the field. Nothing here changes server state: a
// request's own `system_prompt` comes back as PreparedRequest::new_system_prompt, which the route
// installs only after the whole request (every prompt) came through, and before submitting it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/answer_stream.h"
#include "api/chat_settings.h"
#include "api/completion_request.h"
#include "api/embedding_api.h"
#include "api/infill_request.h"
#include "api/openai_chat.h"
#include "api/openai_choices_format.h"
#include "api/openai_completion.h"
#include "frontend/builtin_chat.h"
#include "frontend/system_prompt_state.h"
#include "frontend/tokenizer.h"

namespace cria {

// What the pipeline needs to know of the loaded model.
struct FrontendModel {
    const Tokenizer& tokenizer;
    const ImageTokenizer* images = nullptr;  // null: no projector with vision (--mmproj)
    int32_t n_ctx_slot = 0;                  // a slot's context, in tokens
    int32_t n_ubatch = 0;                    // the most tokens one embedding input may have (with n_ctx_slot - 1)
    bool embedding_mode = false;             // --embedding: nothing can be generated
    std::string chat_template;               // the template in effect (chat_template_source)
    ChatSettings chat;                       // --reasoning-format, --chat-template-kwargs, ... (chat requests)
    // --no-jinja: libllama's built-in formats render chats instead (null: our Jinja engine), in the
    // format named by or detected from `builtin_chat_template` (--chat-template as given, or "").
    const BuiltinChatFormats* builtin_chat = nullptr;
    std::string builtin_chat_template;
    bool spm_infill = false;  // --spm-infill: /infill prompts in Suffix/Prefix/Middle order
};

// One prompt ready for the engine.
struct PreparedPrompt {
    GenerationRequest generation;
    std::string prompt_text;  // the prompt as responses show it ("prompt", echo)
};

struct PreparedRequest {
    std::vector<PreparedPrompt> prompts;  // one per prompt of the request, in order
    // The request's `system_prompt`, tokenized: a pending change of the server-wide one. null when
    // the request sets none. Install it only once the request passed every check (it has, when
    // this is returned) and before submitting the prompts, which already include it.
    std::shared_ptr<const ActiveSystemPrompt> new_system_prompt;
    // Chat requests: how to read the answers (the formatter's AnswerStream options).
    AnswerOptions answer;
};

// /completion: `current` is the server's system prompt now (a snapshot).
PreparedRequest prepare_completion(const FrontendModel& model, const CompletionRequest& request,
                                   std::shared_ptr<const ActiveSystemPrompt> current);

// /v1/completions: every prompt, with the one system prompt; a failure in any prompt fails all.
PreparedRequest prepare_openai_completion(const FrontendModel& model, const OpenAiCompletionRequest& request,
                                          std::shared_ptr<const ActiveSystemPrompt> current);

// /infill: the fill-in-the-middle prompt (no system prompt).
PreparedRequest prepare_infill(const FrontendModel& model, const InfillRequest& request);

// /v1/chat/completions: the conversation through the chat template (no system prompt); a forced
// tool call becomes a grammar in the family's syntax; without max_tokens, generation may fill the
// slot's context. PreparedRequest::answer says how to read the answers.
PreparedRequest prepare_chat(const FrontendModel& model, const ChatRequest& request);

// The prompt text of a chat request (what /apply-template answers): the template with the
// request's tools and template variables, or with --no-jinja libllama's built-in format. With
// --prefill-assistant (model.chat, the default) a last assistant message is continued: the
// prompt ends with its text instead of its end of turn and a new generation prompt.
std::string render_chat_prompt(const FrontendModel& model, const ChatRequest& request);

// /embedding, /v1/embeddings: one engine request per input, each checked to fit one batch.
std::vector<GenerationRequest> prepare_embeddings(const FrontendModel& model, const EmbeddingRequest& request);

// `n` choices of each prompt, prompt by prompt: choice k of a seeded request gets seed + k, so
// the choices differ.
std::vector<GenerationRequest> expand_choices(const std::vector<PreparedPrompt>& prompts, int32_t n);

// Each prompt as the OpenAI formatters report it: its text (echo) and its tokens (usage).
std::vector<ChoicePrompt> choice_prompts(const PreparedRequest& prepared);

}  // namespace cria
