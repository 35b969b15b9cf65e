#include "engine/kv/llama_kv_memory.h"

namespace cria {

// libllama's llama_memory_* functions accept a null memory (no-ops, seq_pos_max -1).

bool LlamaKvMemory::seq_rm(llama_seq_id seq, llama_pos p0, llama_pos p1) {
    return llama_memory_seq_rm(memory_, seq, p0, p1);
}

void LlamaKvMemory::seq_cp(llama_seq_id src, llama_seq_id dst, llama_pos p0, llama_pos p1) {
    llama_memory_seq_cp(memory_, src, dst, p0, p1);
}

void LlamaKvMemory::seq_add(llama_seq_id seq, llama_pos p0, llama_pos p1, llama_pos delta) {
    llama_memory_seq_add(memory_, seq, p0, p1, delta);
}

void LlamaKvMemory::seq_div(llama_seq_id seq, llama_pos p0, llama_pos p1, int d) {
    llama_memory_seq_div(memory_, seq, p0, p1, d);
}

llama_pos LlamaKvMemory::seq_pos_max(llama_seq_id seq) const { return llama_memory_seq_pos_max(memory_, seq); }

bool LlamaKvMemory::can_shift() const { return llama_memory_can_shift(memory_); }

void LlamaKvMemory::clear() { llama_memory_clear(memory_, true); }

llama_pos LlamaKvMemory::seq_pos_min(llama_seq_id seq) const { return llama_memory_seq_pos_min(memory_, seq); }

namespace {

std::vector<uint8_t> get_state(llama_context* context, llama_seq_id seq, llama_state_seq_flags flags) {
    std::vector<uint8_t> state(llama_state_seq_get_size_ext(context, seq, flags));
    const size_t written = llama_state_seq_get_data_ext(context, state.data(), state.size(), seq, flags);
    state.resize(written);  // 0 on failure: nothing to keep
    return state;
}

}  // namespace

std::vector<uint8_t> LlamaKvMemory::seq_state(llama_seq_id seq) const {
    if (memory_ == nullptr) return {};
    return get_state(context_, seq, LLAMA_STATE_SEQ_FLAGS_NONE);
}

bool LlamaKvMemory::set_seq_state(llama_seq_id seq, const std::vector<uint8_t>& state) {
    if (memory_ == nullptr || state.empty()) return false;
    return llama_state_seq_set_data(context_, state.data(), state.size(), seq) != 0;
}

std::vector<uint8_t> LlamaKvMemory::seq_partial_state(llama_seq_id seq) const {
    if (memory_ == nullptr) return {};
    return get_state(context_, seq, LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY);
}

bool LlamaKvMemory::set_seq_partial_state(llama_seq_id seq, const std::vector<uint8_t>& state) {
    if (memory_ == nullptr || state.empty()) return false;
    return llama_state_seq_set_data_ext(context_, state.data(), state.size(), seq, LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY) != 0;
}

}  // namespace cria
