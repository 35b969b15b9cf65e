// POST /props (with --props): new server-wide request defaults, as
//   {"default_generation_settings": {"temperature": 0.5, "n_predict": 64, ...}}
// The settings are the sampling fields of a /completion request (temperature, top_k, ..., samplers,
// speculative.*) plus n_predict (the cap every request is held to, like --n-predict), n_keep and
// cache_prompt, each validated exactly as /completion validates it. Fields not given keep their
// current value.
#pragma once

#include <nlohmann/json.hpp>

#include "api/completion_request.h"

namespace cria {

// Throws ApiError (400) naming the field for an unknown field or an invalid value.
CompletionDefaults parse_props_update(const nlohmann::json& body, const CompletionDefaults& current);

}  // namespace cria
