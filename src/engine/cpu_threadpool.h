// CpuThreadpools: the ggml CPU thread pools of one llama_context, made from its CpuPlacement
// (engine/cpu_placement.h): which CPUs the compute threads may run on, their scheduling priority
// and how they wait for work.
//
// Ownership: the pools belong to this object; the context they are attached to only points at
// them. So the context must be freed (or llama_detach_threadpool'd) before this object is
// destroyed or assigned to: LoadedModel declares its pools before its context for that reason.
// Engine thread only, like the context.
//
// With ggml's OpenMP build (Debian's), the pool's settings apply to the threads of each graph
// computation that uses more than one thread; the engine thread is one of them. A context of one
// thread computes on the engine thread alone, which ggml then leaves where it is (llama-server's
// threads behave the same).
#pragma once

#include <llama.h>

#include <string>

#include "engine/cpu_placement.h"

namespace cria {

class CpuThreadpools {
public:
    CpuThreadpools() = default;  // no pools: ggml makes its own, with default settings, per computation
    ~CpuThreadpools();
    CpuThreadpools(CpuThreadpools&& other) noexcept;
    CpuThreadpools& operator=(CpuThreadpools&& other) noexcept;
    CpuThreadpools(const CpuThreadpools&) = delete;
    CpuThreadpools& operator=(const CpuThreadpools&) = delete;

    // When `placement` or `batch` gives anything (CpuPlacement::given), makes a pool for the
    // context's generation threads (llama_n_threads) placed by `placement`, and one for its batch
    // threads (llama_n_threads_batch) placed by inherited(batch, placement), or a single pool for
    // both when the two come out the same, and attaches them to `context`. Otherwise does nothing.
    // Returns false with *error set when ggml's CPU backend cannot make a pool (nothing attached
    // then). Placements hold values the option parser has checked.
    // `model` names the model in the log lines that say what each pool got.
    bool attach(llama_context* context, const CpuPlacement& placement, const CpuPlacement& batch,
                const std::string& model, std::string* error);

    bool active() const { return generation_ != nullptr; }

private:
    void release();

    ggml_threadpool_t generation_ = nullptr;
    ggml_threadpool_t batch_ = nullptr;  // null: the generation pool serves batches too
    void (*free_)(ggml_threadpool_t) = nullptr;  // ggml-cpu's ggml_threadpool_free
};

}  // namespace cria
