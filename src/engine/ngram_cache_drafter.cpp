#include "engine/ngram_cache_drafter.h"

#include <algorithm>
#include <sys/stat.h>

#include "engine/ngram_cache_file.h"

namespace cria {

NgramCacheDrafter::NgramCacheDrafter(std::string dynamic_path, int32_t n_slots)
    : dynamic_path_(std::move(dynamic_path)),
      dynamic_(kMaxDynamicNgrams),
      slots_(static_cast<size_t>(std::max(1, n_slots))) {}

std::unique_ptr<NgramCacheDrafter> NgramCacheDrafter::create(const NgramConfig& config, int32_t n_slots,
                                                             int32_t n_vocab, std::string* error) {
    std::unique_ptr<NgramCacheDrafter> drafter(new NgramCacheDrafter(config.lookup_cache_dynamic, n_slots));
    std::string why;
    if (!config.lookup_cache_static.empty() &&
        !read_ngram_cache_file(config.lookup_cache_static, &drafter->static_, &why, n_vocab)) {
        *error = "--lookup-cache-static: " + why;
        return nullptr;
    }
    struct stat st {};
    const bool dynamic_exists = !config.lookup_cache_dynamic.empty() && ::stat(config.lookup_cache_dynamic.c_str(), &st) == 0;
    if (dynamic_exists && !read_ngram_cache_file(config.lookup_cache_dynamic, &drafter->dynamic_, &why, n_vocab)) {
        *error = "--lookup-cache-dynamic: " + why;
        return nullptr;
    }
    return drafter;
}

NgramCacheDrafter::SlotState& NgramCacheDrafter::slot(int32_t seq) {
    const size_t i = static_cast<size_t>(std::max(0, seq));
    if (i >= slots_.size()) slots_.resize(i + 1);
    return slots_[i];
}

void NgramCacheDrafter::begin(int32_t seq) {
    SlotState& state = slot(seq);
    dynamic_.merge(state.own);
    state.own.clear();
    state.counted = 0;
}

std::vector<Token> NgramCacheDrafter::draft(int32_t seq, const std::vector<Token>& context, int32_t n_max) {
    SlotState& state = slot(seq);
    if (state.counted < context.size()) {
        count_ngrams(state.own, context, state.counted);
        state.counted = context.size();
    }
    return ngram_cache_draft(context, std::min(n_max, kMaxDraft), state.own, dynamic_, static_);
}

bool NgramCacheDrafter::save(std::string* error) {
    for (int32_t seq = 0; seq < static_cast<int32_t>(slots_.size()); ++seq) begin(seq);
    if (dynamic_path_.empty()) return true;
    std::string why;
    if (!write_ngram_cache_file(dynamic_path_, dynamic_, &why)) {
        *error = "--lookup-cache-dynamic: " + why;
        return false;
    }
    return true;
}

}  // namespace cria
