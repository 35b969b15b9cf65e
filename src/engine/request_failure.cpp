#include "engine/request_failure.h"

#include <new>

namespace cria {

TaskFailure failure_for_exception(std::exception_ptr error, const std::string& during, bool caused_by_request) {
    try {
        std::rethrow_exception(error);
    } catch (const std::bad_alloc&) {
        return TaskFailure{500, "out of memory while " + during};
    } catch (const std::exception& e) {
        return TaskFailure{caused_by_request ? 400 : 500, during + " failed: " + e.what()};
    } catch (...) {
    }
    return TaskFailure{caused_by_request ? 400 : 500, during + " failed"};
}

TaskFailure decode_failure(int32_t status) {
    const std::string code = " (llama_decode returned " + std::to_string(status) + ")";
    switch (status) {
        case 1: return TaskFailure{503, "the KV cache has no room for this batch" + code + "; try again"};
        case 2: return TaskFailure{500, "the model computation was aborted" + code};
        case -1: return TaskFailure{500, "libllama rejected the batch as invalid" + code};
        default: return TaskFailure{500, "the model computation failed" + code};
    }
}

}  // namespace cria
