#include "engine/custom_samplers.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace cria {

namespace {

// ---------------------------------------------------------------------------------------------
// Tail-free sampling

struct TailFree {
    float z;
    size_t min_keep;
};

const char* tfs_name(const llama_sampler* /*smpl*/) { return "cria-tail-free"; }

void tfs_apply(llama_sampler* smpl, llama_token_data_array* cur_p) {
    const auto* st = static_cast<const TailFree*>(smpl->ctx);
    const size_t n = cur_p->size;
    if (st->z >= 1.0f || n <= 2) return;

    llama_token_data* d = cur_p->data;
    if (!cur_p->sorted) {
        std::sort(d, d + n, [](const llama_token_data& a, const llama_token_data& b) { return a.logit > b.logit; });
        cur_p->sorted = true;
    }

    // Probabilities of the sorted candidates (shifted by the top logit for stability).
    const float top = d[0].logit;
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
        d[i].p = std::exp(d[i].logit - top);
        total += d[i].p;
    }
    for (size_t i = 0; i < n; ++i) d[i].p = static_cast<float>(d[i].p / total);

    // |second difference| at each inner point of the sorted curve: n - 2 values.
    std::vector<double> curvature(n - 2);
    double curvature_sum = 0.0;
    for (size_t i = 0; i + 2 < n; ++i) {
        const double slope_here = static_cast<double>(d[i].p) - d[i + 1].p;
        const double slope_next = static_cast<double>(d[i + 1].p) - d[i + 2].p;
        curvature[i] = std::fabs(slope_here - slope_next);
        curvature_sum += curvature[i];
    }
    // A straight line (e.g. all candidates equal) has no tail to find: keep everything.
    if (!(curvature_sum > 0.0)) return;

    size_t keep = 0;
    double running = 0.0;
    for (size_t i = 0; i < curvature.size(); ++i) {
        running += curvature[i] / curvature_sum;
        if (running > st->z) break;
        keep = i + 1;
    }
    keep = std::max(keep, std::max<size_t>(st->min_keep, 1));
    keep = std::min(keep, n);
    cur_p->size = keep;
    if (cur_p->selected >= static_cast<int64_t>(keep)) cur_p->selected = -1;
}

llama_sampler* tfs_clone(const llama_sampler* smpl);

void tfs_free(llama_sampler* smpl) { delete static_cast<TailFree*>(smpl->ctx); }

void tfs_copy_state(const llama_sampler* src, llama_sampler* dst) {
    *static_cast<TailFree*>(dst->ctx) = *static_cast<const TailFree*>(src->ctx);
}

llama_sampler_i* tfs_iface() {
    static llama_sampler_i iface = [] {
        llama_sampler_i i{};  // every member not set here (the backend_* hooks) stays nullptr
        i.name = tfs_name;
        i.accept = nullptr;
        i.apply = tfs_apply;
        i.reset = nullptr;
        i.clone = tfs_clone;
        i.free = tfs_free;
        i.copy_state = tfs_copy_state;
        return i;
    }();
    return &iface;
}

llama_sampler* tfs_clone(const llama_sampler* smpl) {
    return llama_sampler_init(tfs_iface(), new TailFree(*static_cast<const TailFree*>(smpl->ctx)));
}

// ---------------------------------------------------------------------------------------------
// Repetition penalties

struct Penalties {
    int32_t n_vocab;
    int32_t last_n;
    float repeat;
    float frequency;
    float presence;
    bool penalize_newline;
    std::unordered_set<llama_token> exempt;

    // Ring buffer of the last `last_n` accepted tokens, and how often each occurs in it.
    std::vector<llama_token> window;
    size_t oldest = 0;
    std::unordered_map<llama_token, int32_t> counts;

    void accept(llama_token token) {
        if (last_n <= 0 || token < 0 || token >= n_vocab) return;
        const size_t cap = static_cast<size_t>(last_n);
        if (window.size() < cap) {
            window.push_back(token);
        } else {
            const llama_token evicted = window[oldest];
            auto it = counts.find(evicted);
            if (it != counts.end() && --it->second <= 0) counts.erase(it);
            window[oldest] = token;
            oldest = (oldest + 1) % cap;
        }
        ++counts[token];
    }

    void clear() {
        window.clear();
        oldest = 0;
        counts.clear();
    }
};

const char* pen_name(const llama_sampler* /*smpl*/) { return "cria-penalties"; }

void pen_accept(llama_sampler* smpl, llama_token token) { static_cast<Penalties*>(smpl->ctx)->accept(token); }

void pen_apply(llama_sampler* smpl, llama_token_data_array* cur_p) {
    const auto* st = static_cast<const Penalties*>(smpl->ctx);
    if (st->counts.empty()) return;
    if (st->repeat == 1.0f && st->frequency == 0.0f && st->presence == 0.0f) return;

    bool changed = false;
    for (size_t i = 0; i < cur_p->size; ++i) {
        llama_token_data& td = cur_p->data[i];
        if (!st->penalize_newline && st->exempt.count(td.id) != 0) continue;
        const auto it = st->counts.find(td.id);
        if (it == st->counts.end()) continue;
        const int32_t c = it->second;
        if (td.logit > 0.0f) {
            td.logit /= st->repeat;
        } else {
            td.logit *= st->repeat;
        }
        td.logit -= static_cast<float>(c) * st->frequency + st->presence;
        changed = true;
    }
    if (changed) cur_p->sorted = false;
}

void pen_reset(llama_sampler* smpl) { static_cast<Penalties*>(smpl->ctx)->clear(); }

llama_sampler* pen_clone(const llama_sampler* smpl);

void pen_free(llama_sampler* smpl) { delete static_cast<Penalties*>(smpl->ctx); }

void pen_copy_state(const llama_sampler* src, llama_sampler* dst) {
    *static_cast<Penalties*>(dst->ctx) = *static_cast<const Penalties*>(src->ctx);
}

llama_sampler_i* pen_iface() {
    static llama_sampler_i iface = [] {
        llama_sampler_i i{};  // every member not set here (the backend_* hooks) stays nullptr
        i.name = pen_name;
        i.accept = pen_accept;
        i.apply = pen_apply;
        i.reset = pen_reset;
        i.clone = pen_clone;
        i.free = pen_free;
        i.copy_state = pen_copy_state;
        return i;
    }();
    return &iface;
}

llama_sampler* pen_clone(const llama_sampler* smpl) {
    return llama_sampler_init(pen_iface(), new Penalties(*static_cast<const Penalties*>(smpl->ctx)));
}

}  // namespace

llama_sampler* make_tail_free_sampler(float z, size_t min_keep) {
    return llama_sampler_init(tfs_iface(), new TailFree{z, min_keep});
}

llama_sampler* make_penalties_sampler(int32_t n_vocab, int32_t last_n, float repeat, float frequency,
                                      float presence, bool penalize_newline,
                                      std::vector<llama_token> newline_tokens) {
    auto* st = new Penalties{};
    st->n_vocab = n_vocab;
    st->last_n = std::max(0, last_n);
    st->repeat = repeat;
    st->frequency = frequency;
    st->presence = presence;
    st->penalize_newline = penalize_newline;
    st->exempt.insert(newline_tokens.begin(), newline_tokens.end());
    return llama_sampler_init(pen_iface(), st);
}

}  // namespace cria
