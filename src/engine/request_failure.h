// What the engine answers a request with when serving it failed on the engine thread: an exception
// thrown by the work done for it, or a llama_decode that did not succeed. Plain data (llama-free),
// so the rules are unit-tested without a model.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include "engine/task.h"

namespace cria {

// The failure for `error`, thrown while `during` (e.g. "sampling") for one request.
// `caused_by_request`: the request's own settings are the likely cause (e.g. a grammar that a
// logit_bias leaves with no allowed token: libllama throws "Unexpected empty grammar stack"); then
// the answer is 400, else 500. Running out of memory is always 500. The message names the phase
// and carries the exception's text.
TaskFailure failure_for_exception(std::exception_ptr error, const std::string& during, bool caused_by_request);

// The failure of every request in a batch whose llama_decode returned `status` (non-zero), by
// llama.h's documented codes:
//    1  no KV slot for the batch (the memory is restored as before the call): 503, the client may
//       retry (the failed requests' sequences are cleared, which frees room);
//    2  aborted: 500 (cria sets no abort callback, so this is unexpected);
//   -1  invalid input batch: 500 (the engine built the batch: a bug, not the client's);
//  < -1 fatal error: 500.
TaskFailure decode_failure(int32_t status);

}  // namespace cria
