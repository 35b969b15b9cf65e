// LoRA adapter lists in JSON: GET /lora-adapters' [{id, path, scale}], and the [{id, scale}] list
// that POST /lora-adapters takes and that a request's `lora` field holds.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/lora_adapters.h"

namespace cria {

// Reads a [{"id": N, "scale": X}, ...] list for a server with n_adapters adapters. Returns one
// scale per adapter: those listed get theirs, the others 0 (as llama-server does). Throws a 400
// ApiError for anything else (not an array, an unknown or repeated id, a scale that is not a
// number), naming the place, e.g. "'lora[1].id'". `field` is the request field holding the list
// ("lora"), or "" when the list is the whole body (then the param is "id" or "scale").
LoraScales parse_lora_scales(const nlohmann::json& value, size_t n_adapters, const std::string& field);

// [{"id", "path", "scale"}] as GET /lora-adapters answers.
nlohmann::json lora_adapters_json(const std::vector<LoraAdapterInfo>& adapters);

// [{"id", "scale"}], every adapter listed (a request's settings, as /slots shows them).
nlohmann::json lora_scales_json(const LoraScales& scales);

}  // namespace cria
