// /completion's prompt shapes, as llama-server 0.7 reads them (and the seed's before it):
//   "text"                                          one prompt
//   [12, 34, "text", 56]                             one prompt: token ids and text mixed
//   {"prompt_string": "a <__media__> b",
//    "multimodal_data": ["<base64>", ...]}           one prompt, its media at the markers
//   ["text 1", [12, 34], {"prompt_string": ...}]     several prompts (strings, token lists,
//                                                    objects): an array of results, one per prompt
// An array with a bare token id anywhere is one mixed prompt; one without is a list of prompts.
// Errors are 400 ApiErrors naming "prompt".
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "api/completion_request.h"
#include "api/request_limits.h"

namespace cria {

// How many prompts `prompt` holds, read from the JSON alone (before anything is copied or decoded),
// so that prompts × n_cmpl can be held to --max-request-tasks first.
size_t count_completion_prompts(const nlohmann::json& prompt);

// Every prompt of `prompt`, in order. The media files of all prompts together are held to
// --max-images and --max-videos (and each to its size and pixel limits).
std::vector<CompletionPrompt> parse_completion_prompts(const nlohmann::json& prompt, const RequestLimits& limits);

}  // namespace cria
