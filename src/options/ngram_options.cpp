#include "options/ngram_options.h"

#include <algorithm>

#include "engine/ngram_cache_drafter.h"
#include "options/option_builder.h"

namespace cria::options {

namespace {

using S = Section;
using K = ValueKind;

NgramConfig& ngram_of(ServerOptions& o) { return o.engine.speculative.ngram; }
const NgramConfig& ngram_of(const ServerOptions& o) { return o.engine.speculative.ngram; }

template <typename Part, typename T>
Field<T> at_ngram(Part NgramConfig::*part, T Part::*member) {
    return {[part, member](ServerOptions& o) -> T& { return (ngram_of(o).*part).*member; },
            [part, member](const ServerOptions& o) -> const T& { return (ngram_of(o).*part).*member; }};
}

Field<std::string> at_cache(std::string NgramConfig::*member) {
    return {[member](ServerOptions& o) -> std::string& { return ngram_of(o).*member; },
            [member](const ServerOptions& o) -> const std::string& { return ngram_of(o).*member; }};
}

bool lists(const ServerOptions& o, DraftSource source) {
    const auto& sources = o.engine.speculative.sources;
    return std::find(sources.begin(), sources.end(), source) != sources.end();
}

// llama-server's older names set one value for every kind that has it (its kinds shared them);
// a kind's own option given after the old name wins.
Binding shared_int(std::vector<Field<int32_t>> fields, int64_t lo, int64_t hi) {
    return {
        [fields, lo, hi](ServerOptions& o, const std::string& v) -> std::string {
            const auto n = parse_int(v);
            if (!n) return "not an integer";
            if (*n < lo || *n > hi) return range_reason(lo, hi);
            for (const auto& field : fields) field.in(o) = static_cast<int32_t>(*n);
            return "";
        },
        [field = fields.front()](const ServerOptions& o) { return std::to_string(field.of(o)); },
    };
}

constexpr int64_t kMaxNgram = 1024;    // tokens of a key or a draft
constexpr int64_t kMaxHits = 65535;    // llama-server's counts are 16-bit

void add_map_kind(std::vector<OptionSpec>& t, const std::string& kind, NgramMapParams NgramConfig::*part,
                  const std::string& what) {
    const std::string prefix = "--spec-ngram-" + kind;
    t.push_back(Opt(S::Speculative, {prefix + "-size-n"}).value(K::Int, "N")
                    .help(kind + ": tokens of the key, the end of the context to find earlier in it")
                    .bind(int_in(at_ngram(part, &NgramMapParams::size_n), 1, kMaxNgram)));
    t.push_back(Opt(S::Speculative, {prefix + "-size-m"}).value(K::Int, "N")
                    .help(kind + ": most tokens drafted from " + what + " (and at most --draft-max)")
                    .bind(int_in(at_ngram(part, &NgramMapParams::size_m), 1, kMaxNgram)));
    t.push_back(Opt(S::Speculative, {prefix + "-min-hits"}).value(K::Int, "N")
                    .help(kind + ": earlier occurrences of the key needed before it drafts")
                    .bind(int_in(at_ngram(part, &NgramMapParams::min_hits), 1, kMaxHits)));
}

// A comma-separated list of numbers (checked against the draft length after parsing).
Binding number_list(Field<std::vector<double>> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<double> numbers;
            for (const auto& item : split_list(v, ',')) {
                const auto x = parse_float(trim(item));
                if (!x) return "expected comma-separated numbers";
                numbers.push_back(*x);
            }
            if (numbers.empty()) return "must not be empty";
            field.in(o) = std::move(numbers);
            return "";
        },
        [field](const ServerOptions& o) {
            std::string out;
            for (const double x : field.of(o)) out += (out.empty() ? "" : ",") + std::to_string(x);
            return out;
        },
    };
}

Field<double> at_synth_length() {
    return {[](ServerOptions& o) -> double& { return o.engine.speculative.synthetic.length; },
            [](const ServerOptions& o) -> const double& { return o.engine.speculative.synthetic.length; }};
}

Field<std::vector<double>> at_synth_rates() {
    return {[](ServerOptions& o) -> std::vector<double>& { return o.engine.speculative.synthetic.rates; },
            [](const ServerOptions& o) -> const std::vector<double>& { return o.engine.speculative.synthetic.rates; }};
}

Binding any_number(Field<double> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            const auto x = parse_float(v);
            if (!x) return "not a number";
            field.in(o) = *x;
            return "";
        },
        [field](const ServerOptions& o) { return std::to_string(field.of(o)); },
    };
}

// The longest draft any listed kind gives (each is also cut to --draft-max).
int32_t longest_draft(const ServerOptions& o) {
    const SpeculativeConfig& spec = o.engine.speculative;
    int32_t longest = 0;
    for (const DraftSource source : spec.sources) {
        int32_t n = o.defaults.speculative.n_max;
        switch (source) {
            case DraftSource::draft_model: break;
            case DraftSource::draft_mtp: break;
            case DraftSource::draft_eagle3: break;
            case DraftSource::draft_dflash: break;
            case DraftSource::draft_dspark: break;
            case DraftSource::ngram: n = spec.ngram.simple.size_m; break;
            case DraftSource::ngram_map_k: n = spec.ngram.map_k.size_m; break;
            case DraftSource::ngram_map_k4v: n = spec.ngram.map_k4v.size_m; break;
            case DraftSource::ngram_mod: n = spec.ngram.mod.n_max; break;
            case DraftSource::ngram_cache: n = NgramCacheDrafter::kMaxDraft; break;
        }
        longest = std::max(longest, n);
    }
    return std::min(longest, o.defaults.speculative.n_max);
}

// Synthetic acceptance makes the output invalid: say so at start-up, as llama-server does.
Notice synthetic_notice() {
    return [](const ServerOptions& o) -> std::string {
        return o.engine.speculative.synthetic.enabled()
                   ? "synthetic acceptance for benchmarking: generated output is not valid" : "";
    };
}

// -lcs/-lcd without ngram-cache in --spec-type have nothing to do (as in llama-server). (Silent
// while the file is not given, so --help shows nothing.)
Notice unused_without_ngram_cache(std::string NgramConfig::*file) {
    return [file](const ServerOptions& o) -> std::string {
        if ((ngram_of(o).*file).empty() || lists(o, DraftSource::ngram_cache)) return "";
        return "accepted; the lookup caches serve --spec-type ngram-cache, which is not listed: unused";
    };
}

}  // namespace

std::string check_synthetic_acceptance(ServerOptions& o) {
    SyntheticAcceptanceConfig& synthetic = o.engine.speculative.synthetic;
    if (synthetic.length == -1.0 && synthetic.rates.empty()) return "";
    if (!o.engine.speculative.enabled()) {
        return "synthetic acceptance (--spec-synth-len, --spec-synth-rates) needs speculative decoding: give --spec-type "
               "or --model-draft";
    }
    return resolve_synthetic_acceptance(&synthetic, longest_draft(o));
}

void add_ngram_options(std::vector<OptionSpec>& t) {
    add_map_kind(t, "simple", &NgramConfig::simple, "what followed the key's most recent earlier occurrence");
    add_map_kind(t, "map-k", &NgramConfig::map_k, "what followed the key's most recent earlier occurrence");
    add_map_kind(t, "map-k4v", &NgramConfig::map_k4v, "the key's clearly most frequent continuation");
    t.push_back(Opt(S::Speculative, {"--spec-ngram-mod-n-match"}).value(K::Int, "N")
                    .help("ngram-mod: tokens hashed to look up the next one in the shared pool")
                    .bind(int_in(at_ngram(&NgramConfig::mod, &NgramModParams::n_match), 1, kMaxNgram)));
    t.push_back(Opt(S::Speculative, {"--spec-ngram-mod-n-min"}).value(K::Int, "N")
                    .help("ngram-mod: a shorter chain of lookups drafts nothing")
                    .bind(int_in(at_ngram(&NgramConfig::mod, &NgramModParams::n_min), 0, kMaxNgram)));
    t.push_back(Opt(S::Speculative, {"--spec-ngram-mod-n-max"}).value(K::Int, "N")
                    .help("ngram-mod: most tokens chained (the draft is then cut to --draft-max)")
                    .bind(int_in(at_ngram(&NgramConfig::mod, &NgramModParams::n_max), 1, kMaxNgram)));

    const auto size_n = [](NgramMapParams NgramConfig::*part) { return at_ngram(part, &NgramMapParams::size_n); };
    const auto size_m = [](NgramMapParams NgramConfig::*part) { return at_ngram(part, &NgramMapParams::size_m); };
    const auto hits = [](NgramMapParams NgramConfig::*part) { return at_ngram(part, &NgramMapParams::min_hits); };
    t.push_back(Opt(S::Speculative, {"--spec-ngram-size-n"}).value(K::Int, "N")
                    .help("llama-server's older name: sets --spec-ngram-{simple,map-k,map-k4v}-size-n and "
                          "--spec-ngram-mod-n-match")
                    .bind(shared_int({size_n(&NgramConfig::simple), size_n(&NgramConfig::map_k),
                                      size_n(&NgramConfig::map_k4v),
                                      at_ngram(&NgramConfig::mod, &NgramModParams::n_match)},
                                     1, kMaxNgram)));
    t.push_back(Opt(S::Speculative, {"--spec-ngram-size-m"}).value(K::Int, "N")
                    .help("llama-server's older name: sets --spec-ngram-{simple,map-k,map-k4v}-size-m")
                    .bind(shared_int({size_m(&NgramConfig::simple), size_m(&NgramConfig::map_k),
                                      size_m(&NgramConfig::map_k4v)},
                                     1, kMaxNgram)));
    t.push_back(Opt(S::Speculative, {"--spec-ngram-min-hits"}).value(K::Int, "N")
                    .help("llama-server's older name: sets --spec-ngram-{simple,map-k,map-k4v}-min-hits")
                    .bind(shared_int({hits(&NgramConfig::simple), hits(&NgramConfig::map_k), hits(&NgramConfig::map_k4v)},
                                     1, kMaxHits)));

    t.push_back(Opt(S::Speculative, {"--spec-synth-len"}).value(K::Float, "L").env({"LLAMA_ARG_SPEC_SYNTH_LEN"})
                    .help("BENCHMARKING ONLY, the output is not the model's: accept draft tokens by chance instead of "
                          "by the main model, for a mean of L tokens per step (counting the one the model adds)")
                    .bind(any_number(at_synth_length()))
                    .notice(synthetic_notice()));
    t.push_back(Opt(S::Speculative, {"--spec-synth-rates"}).value(K::List, "P0,P1,...")
                    .env({"LLAMA_ARG_SPEC_SYNTH_RATES"})
                    .help("BENCHMARKING ONLY, the output is not the model's: the chance that draft position i (and all "
                          "before it) is accepted, one non-increasing rate per position of the longest draft")
                    .bind(number_list(at_synth_rates()))
                    .notice(synthetic_notice()));
    t.push_back(Opt(S::Speculative, {"-lcs", "--lookup-cache-static"}).value(K::String, "FNAME")
                    .help("ngram-cache: n-gram statistics of a corpus (llama.cpp's lookup-cache format, e.g. from "
                          "llama-lookup-create), read at start and never written")
                    .bind(nonempty_text(at_cache(&NgramConfig::lookup_cache_static)))
                    .notice(unused_without_ngram_cache(&NgramConfig::lookup_cache_static)));
    t.push_back(Opt(S::Speculative, {"-lcd", "--lookup-cache-dynamic"}).value(K::String, "FNAME")
                    .help("ngram-cache: n-gram statistics learnt from generated text: read at start (if the file "
                          "exists), updated with every slot's text and written back when the server stops")
                    .bind(nonempty_text(at_cache(&NgramConfig::lookup_cache_dynamic)))
                    .notice(unused_without_ngram_cache(&NgramConfig::lookup_cache_dynamic)));
}

}  // namespace cria::options
