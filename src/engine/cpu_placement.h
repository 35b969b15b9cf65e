// CpuPlacement: where one llama_context's CPU compute threads may run and how they wait for work
// (llama-server's -C, -Cr, --cpu-strict, --prio, --poll; their -batch forms for prompt batches;
// the -draft forms for the draft model's context). Plain data without libllama types: the option
// parser writes it (checking masks and ranges with util/cpu_set.h), engine/cpu_threadpool.h makes
// ggml thread pools of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cria {

// Each field unset means "not given": the role model's value applies (inherited() below), and
// where nothing is given at all the context keeps ggml's own threads, placed by the system.
struct CpuPlacement {
    std::string mask;               // -C: hexadecimal affinity mask, as given ("" = not given)
    std::string range;              // -Cr: "lo-hi", as given ("" = not given); adds to the mask's CPUs
    std::optional<int32_t> strict;  // --cpu-strict 0|1: 1 = one CPU of the set per thread, in turn
    std::optional<int32_t> prio;    // --prio: -1 low, 0 normal, 1 medium, 2 high, 3 realtime
    std::optional<int32_t> poll;    // --poll 0..100: how long an idle thread spins before it sleeps

    bool given() const { return !mask.empty() || !range.empty() || strict || prio || poll; }
    bool places() const { return !mask.empty() || !range.empty(); }
};

// `own`, with every field it does not give taken from `role`: the batch threads' placement is the
// generation threads' unless a -batch option says otherwise, the draft model's is the main
// model's. Mask and range go together: either one given replaces the role's CPUs.
inline CpuPlacement inherited(const CpuPlacement& own, const CpuPlacement& role) {
    CpuPlacement out = own;
    if (!own.places()) {
        out.mask = role.mask;
        out.range = role.range;
    }
    if (!out.strict) out.strict = role.strict;
    if (!out.prio) out.prio = role.prio;
    if (!out.poll) out.poll = role.poll;
    return out;
}

}  // namespace cria
