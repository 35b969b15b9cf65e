// RequestLimits: the budget of one request, checked when it is parsed (api/ parsers), before any
// tokenizing or model work. Over budget -> 400 naming the field (ApiError::param). Plain data, no
// libllama. The defaults below are documented in docs/operations.md ("Limits", "Requests"); each
// has a command-line option (options/option_table.cpp, named after the field: --max-stop-strings).
//
// One source of truth: ServerOptions::defaults.limits. It travels inside CompletionDefaults, so
// every parser that takes the defaults sees the same limits; POST /props cannot change them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cria {

inline constexpr int32_t kDefaultMaxGrammarBytes = 256 * 1024;

struct RequestLimits {
    // Engine tasks one request may start: prompts × n on /v1/completions, n on chat.
    int32_t max_tasks = 128;                      // --max-request-tasks
    int32_t max_stop_strings = 64;                // --max-stop-strings: entries of `stop`
    int32_t max_stop_length = 512;                // --max-stop-length: bytes of each stop string
    int32_t max_logit_bias = 131072;              // --max-logit-bias: entries of `logit_bias` (as sent)
    int32_t max_samplers = 64;                    // --max-samplers: entries of `samplers`
    int32_t max_n_probs = 1000;                   // --max-n-probs: largest `n_probs` (above it: 400)
    int32_t max_grammar_bytes = kDefaultMaxGrammarBytes;  // --max-grammar-size: bytes of `grammar`, of
                                                  // `json_schema` (as JSON text) and of the grammar made from it
    int32_t max_image_bytes = 16 * 1024 * 1024;   // --max-image-size: decoded bytes of one image
    int32_t max_image_pixels = 32 * 1024 * 1024;  // --max-image-pixels: width × height an image's header
                                                  // declares (the decoder allocates for all of them first)
    int32_t max_images = 16;                      // --max-images: images in one request
    // Videos (chat's video_url / input_video parts): decoded bytes of one, how many one request
    // may send (apart from images), and how many frames they may have together at --video-fps. Each frame
    // is also held to max_image_pixels. The byte limit stays within the body limit (32 MiB).
    int32_t max_video_bytes = 32 * 1024 * 1024;   // --max-video-size
    int32_t max_videos = 4;                       // --max-videos
    int32_t max_video_frames = 64;                // --max-video-frames
    int32_t max_tokenize_bytes = 4 * 1024 * 1024; // --max-tokenize-size: bytes of /tokenize's `content`
    int32_t max_detokenize_tokens = 1024 * 1024;  // --max-detokenize-tokens: ids in /detokenize's `tokens`
    // Inputs of one /v1/embeddings request: each is one engine task, so the queue
    // (--max-queued-requests, 1024 by default) must hold them all as well.
    int32_t max_embedding_inputs = 1024;          // --max-embedding-inputs
    // The shape of a conversation (OpenAI Responses' `input` today): how many items (messages,
    // function calls and their outputs), content parts in one item, and tools it may carry.
    int32_t max_input_items = 4096;               // --max-input-items
    int32_t max_content_parts = 1024;             // --max-content-parts: parts of one message's content
    int32_t max_tools = 512;                      // --max-tools: entries of `tools`
    // --media-path: the one directory whose files a request may name as file:// image URLs
    // ("" = none: file:// URLs are refused). Nothing outside it is read (api/media_file.h).
    std::string media_path;
};

// Throws a 400 naming `field` when `count` > `max`: "'field' has <count> <what>; at most <max> are
// accepted (<option>)".
void check_limit(size_t count, int32_t max, const char* field, const char* what, const char* option);

// A request of `prompts` prompts, each completed `per_prompt` times (`per_prompt_field`: "n" or
// "n_cmpl"), against limits.max_tasks: a 400 naming "prompt" (several prompts) or the count's
// field, saying how many completions that is. Checked on counts read from the JSON, before any
// prompt is copied or tokenized.
void check_task_budget(size_t prompts, int64_t per_prompt, const char* per_prompt_field, const RequestLimits& limits);

// The same for a part of a field: the message names `where` (e.g. "messages[3].tool_calls"), the
// error's field is `param` (e.g. "messages").
void check_limit_in(size_t count, int32_t max, const std::string& where, const char* param, const char* what,
                    const char* option);

}  // namespace cria
