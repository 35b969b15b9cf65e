#include "options/cpu_placement_options.h"

#include <optional>
#include <string>

#include "options/option_builder.h"
#include "util/cpu_set.h"

namespace cria::options {

namespace {

using S = Section;
using K = ValueKind;
using Setting = std::optional<int32_t> CpuPlacement::*;

Field<CpuPlacement> main_threads() { return at(&ServerOptions::engine, &EngineConfig::cpu); }
Field<CpuPlacement> batch_threads() { return at(&ServerOptions::engine, &EngineConfig::cpu_batch); }
Field<CpuPlacement> draft_threads() {
    return at(&ServerOptions::engine, &EngineConfig::speculative, &SpeculativeConfig::cpu_draft);
}
Field<CpuPlacement> draft_batch_threads() {
    return at(&ServerOptions::engine, &EngineConfig::speculative, &SpeculativeConfig::cpu_batch_draft);
}

// -C: a hexadecimal mask of any length up to ggml's CPU count (util/cpu_set.h).
Binding cpu_mask(Field<CpuPlacement> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            util::CpuSet cpus;
            if (std::string why = util::add_cpu_mask(v, &cpus); !why.empty()) return why;
            field.in(o).mask = v;
            return "";
        },
        [field](const ServerOptions& o) { return field.of(o).mask; },
    };
}

// -Cr: "lo-hi", in order, within ggml's CPU count.
Binding cpu_range(Field<CpuPlacement> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            util::CpuSet cpus;
            if (std::string why = util::add_cpu_range(v, &cpus); !why.empty()) return why;
            field.in(o).range = v;
            return "";
        },
        [field](const ServerOptions& o) { return field.of(o).range; },
    };
}

// --cpu-strict, --prio, --poll: an integer in [lo, hi]; unset until given (then the role model's
// value applies: engine/cpu_placement.h, and `unset` is shown: ggml's default, or "" for "as the
// role model's").
Binding setting(Field<CpuPlacement> field, Setting member, int64_t lo, int64_t hi, std::string unset) {
    return {
        [field, member, lo, hi](ServerOptions& o, const std::string& v) -> std::string {
            const auto n = parse_int(v);
            if (!n) return "not an integer";
            if (*n < lo || *n > hi) return range_reason(lo, hi);
            field.in(o).*member = static_cast<int32_t>(*n);
            return "";
        },
        [field, member, unset](const ServerOptions& o) {
            const auto& value = field.of(o).*member;
            return value ? std::to_string(*value) : unset;
        },
    };
}

// The options of one placement: each option's names (an empty list: llama-server has no such
// option), in the order mask, range, strict, prio, poll.
struct PlacementOptions {
    Field<CpuPlacement> field;
    std::vector<std::string> mask, range, strict, prio, poll;
    std::string threads;  // whose: "the generation threads", ...
};

// Adds `p`'s options to section `s`. `role`: the placement an unset option takes its value from
// (null: none, ggml's defaults apply).
void add_placement(std::vector<OptionSpec>& t, Section s, const PlacementOptions& p, const PlacementOptions* role) {
    const auto def = [role](const std::vector<std::string> PlacementOptions::*names, const char* own) {
        return role == nullptr ? std::string(own) : "as " + (role->*names).front();
    };
    const auto unset = [role](const char* own) { return role == nullptr ? std::string(own) : std::string(); };
    t.push_back(Opt(s, p.mask).value(K::String, "M")
                    .help("CPU affinity mask of " + p.threads + ": hexadecimal of any length (the last digit holds "
                          "CPUs 0-3), up to CPU 511; adds to the range's CPUs")
                    .def(def(&PlacementOptions::mask, "none")).bind(cpu_mask(p.field)));
    if (!p.range.empty()) {
        t.push_back(Opt(s, p.range).value(K::String, "lo-hi")
                        .help("range of CPUs for " + p.threads + " (both ends included); adds to the mask's CPUs")
                        .def(def(&PlacementOptions::range, "none")).bind(cpu_range(p.field)));
    }
    t.push_back(Opt(s, p.strict).value(K::Int, "<0|1>")
                    .help("strict CPU placement of " + p.threads + ": 1 = each thread on the next CPU of the set")
                    .def(def(&PlacementOptions::strict, "0")).bind(setting(p.field, &CpuPlacement::strict, 0, 1, unset("0"))));
    const std::string whose = role == nullptr ? "priority of the process and of " : "priority of ";
    t.push_back(Opt(s, p.prio).value(K::Int, "N")
                    .help(whose + p.threads + ": -1 low, 0 normal, 1 medium, 2 high, 3 realtime (above "
                          "normal needs the privilege to raise it: else a warning, and normal)")
                    .def(def(&PlacementOptions::prio, "0")).bind(setting(p.field, &CpuPlacement::prio, -1, 3, unset("0"))));
    t.push_back(Opt(s, p.poll).value(K::Int, "<0...100>")
                    .help("how much " + p.threads + " poll for work before they sleep; 0 = no polling")
                    .def(def(&PlacementOptions::poll, "50")).bind(setting(p.field, &CpuPlacement::poll, 0, 100, unset("50"))));
}

const PlacementOptions& main_options() {
    static const PlacementOptions options{main_threads(), {"-C", "--cpu-mask"}, {"-Cr", "--cpu-range"}, {"--cpu-strict"},
                                          {"--prio"}, {"--poll"}, "the generation threads"};
    return options;
}

const PlacementOptions& draft_options() {
    static const PlacementOptions options{
        draft_threads(), {"--spec-draft-cpu-mask", "-Cd", "--cpu-mask-draft"},
        {"--spec-draft-cpu-range", "-Crd", "--cpu-range-draft"}, {"--spec-draft-cpu-strict", "--cpu-strict-draft"},
        {"--spec-draft-prio", "--prio-draft"}, {"--spec-draft-poll", "--poll-draft"}, "the draft model's threads"};
    return options;
}

}  // namespace

void add_cpu_placement_options(std::vector<OptionSpec>& t) {
    add_placement(t, S::Threads, main_options(), nullptr);
    add_placement(t, S::Threads,
                  {batch_threads(), {"-Cb", "--cpu-mask-batch"}, {"-Crb", "--cpu-range-batch"}, {"--cpu-strict-batch"},
                   {"--prio-batch"}, {"--poll-batch"}, "the batch threads"},
                  &main_options());
}

void add_draft_cpu_placement_options(std::vector<OptionSpec>& t) {
    add_placement(t, S::Speculative, draft_options(), &main_options());
    // llama-server has no range option for the draft model's batch threads.
    add_placement(t, S::Speculative,
                  {draft_batch_threads(), {"--spec-draft-cpu-mask-batch", "-Cbd", "--cpu-mask-batch-draft"}, {},
                   {"--spec-draft-cpu-strict-batch", "--cpu-strict-batch-draft"},
                   {"--spec-draft-prio-batch", "--prio-batch-draft"}, {"--spec-draft-poll-batch", "--poll-batch-draft"},
                   "the draft model's batch threads"},
                  &draft_options());
}

}  // namespace cria::options
