// LlamaKvMemory: KvMemory over a libllama context's memory. The only code in cria that calls
// llama_memory_* (and, for the host prompt cache and context checkpoints, llama_state_seq_get/set_data). Does not own the
// context; it must outlive this object.
#pragma once

#include "engine/kv/kv_memory.h"

namespace cria {

class LlamaKvMemory final : public KvMemory {
public:
    explicit LlamaKvMemory(llama_context* context) : context_(context), memory_(llama_get_memory(context)) {}

    bool present() const override { return memory_ != nullptr; }
    bool seq_rm(llama_seq_id seq, llama_pos p0, llama_pos p1) override;
    void seq_cp(llama_seq_id src, llama_seq_id dst, llama_pos p0, llama_pos p1) override;
    void seq_add(llama_seq_id seq, llama_pos p0, llama_pos p1, llama_pos delta) override;
    void seq_div(llama_seq_id seq, llama_pos p0, llama_pos p1, int d) override;
    llama_pos seq_pos_max(llama_seq_id seq) const override;
    llama_pos seq_pos_min(llama_seq_id seq) const override;
    bool can_shift() const override;
    void clear() override;
    std::vector<uint8_t> seq_state(llama_seq_id seq) const override;
    bool set_seq_state(llama_seq_id seq, const std::vector<uint8_t>& state) override;
    std::vector<uint8_t> seq_partial_state(llama_seq_id seq) const override;
    bool set_seq_partial_state(llama_seq_id seq, const std::vector<uint8_t>& state) override;

private:
    llama_context* context_;
    llama_memory_t memory_;  // null for contexts without memory
};

}  // namespace cria
