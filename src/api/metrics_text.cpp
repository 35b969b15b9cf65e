#include "api/metrics_text.h"

#include <sstream>

namespace cria {

namespace {

void metric(std::ostringstream& out, const char* name, const char* type, const char* help, double value) {
    out << "# HELP llamacpp:" << name << ' ' << help << "\n# TYPE llamacpp:" << name << ' ' << type << "\nllamacpp:"
        << name << ' ' << value << '\n';
}

void histogram(std::ostringstream& out, const char* name, const char* help, const Histogram& h) {
    out << "# HELP llamacpp:" << name << ' ' << help << "\n# TYPE llamacpp:" << name << " histogram\n";
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        out << "llamacpp:" << name << "_bucket{le=\"" << kLatencyBuckets[i] << "\"} " << h.buckets[i] << '\n';
    }
    out << "llamacpp:" << name << "_bucket{le=\"+Inf\"} " << h.count << '\n';
    out << "llamacpp:" << name << "_sum " << h.sum << '\n';
    out << "llamacpp:" << name << "_count " << h.count << '\n';
}

}  // namespace

std::string prometheus_text(const MetricsSnapshot& m, const MetricsGauges& g) {
    std::ostringstream out;
    out.precision(10);
    metric(out, "prompt_tokens_total", "counter", "Number of prompt tokens processed.",
           static_cast<double>(m.prompt_tokens_total));
    metric(out, "prompt_tokens_cached_total", "counter", "Number of prompt tokens reused from the cache.",
           static_cast<double>(m.prompt_tokens_cached_total));
    metric(out, "prompt_seconds_total", "counter", "Prompt process time.", m.prompt_seconds_total);
    metric(out, "tokens_predicted_total", "counter", "Number of generation tokens processed.",
           static_cast<double>(m.tokens_predicted_total));
    metric(out, "tokens_predicted_seconds_total", "counter", "Predict process time.", m.predicted_seconds_total);
    metric(out, "n_decode_total", "counter", "Number of llama_decode() calls of the step loop.",
           static_cast<double>(m.n_decode_total));
    metric(out, "n_tokens_max", "counter", "Largest observed sequence length (prompt + generation).",
           static_cast<double>(m.n_tokens_max));
    metric(out, "spec_decode_num_draft_tokens_total", "counter", "Speculative: draft tokens generated.",
           static_cast<double>(m.draft_tokens_total));
    metric(out, "spec_decode_num_accepted_tokens_total", "counter", "Speculative: draft tokens accepted.",
           static_cast<double>(m.draft_accepted_total));
    metric(out, "spec_decode_num_drafts_total", "counter", "Speculative: drafts verified.",
           static_cast<double>(m.drafts_total));
    metric(out, "requests_total", "counter", "Number of requests finished.", static_cast<double>(m.requests_total));
    metric(out, "requests_rejected_total", "counter", "Number of requests refused because the queue was full.",
           static_cast<double>(m.requests_rejected_total));
    metric(out, "prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.",
           m.prompt_seconds_total > 0 ? static_cast<double>(m.prompt_tokens_total) / m.prompt_seconds_total : 0.0);
    metric(out, "predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s.",
           m.predicted_seconds_total > 0 ? static_cast<double>(m.tokens_predicted_total) / m.predicted_seconds_total : 0.0);
    metric(out, "kv_cache_usage_ratio", "gauge", "KV-cache usage. 1 means 100 percent usage.",
           g.n_ctx > 0 ? static_cast<double>(g.kv_cache_tokens) / static_cast<double>(g.n_ctx) : 0.0);
    metric(out, "kv_cache_tokens", "gauge", "KV-cache tokens.", static_cast<double>(g.kv_cache_tokens));
    metric(out, "requests_processing", "gauge", "Number of requests processing.", static_cast<double>(g.requests_processing));
    metric(out, "requests_deferred", "gauge", "Number of requests deferred.", static_cast<double>(g.requests_deferred));
    metric(out, "prompt_cache_hits_total", "counter", "Prompts restored from the host-memory prompt cache.",
           static_cast<double>(m.prompt_cache_hits_total));
    metric(out, "prompt_cache_tokens_restored_total", "counter",
           "Prompt tokens restored from the host-memory prompt cache instead of computed.",
           static_cast<double>(m.prompt_cache_tokens_restored_total));
    metric(out, "prompt_cache_saves_total", "counter", "Sequences saved to the host-memory prompt cache as they left a slot.",
           static_cast<double>(m.prompt_cache_saves_total));
    metric(out, "prompt_cache_bytes", "gauge", "Bytes held by the host-memory prompt cache.",
           static_cast<double>(m.prompt_cache_bytes));
    metric(out, "prompt_cache_entries", "gauge", "Entries held by the host-memory prompt cache.",
           static_cast<double>(m.prompt_cache_entries));
    metric(out, "context_checkpoint_restores_total", "counter",
           "Prompts computed from a context checkpoint instead of from the start (-ctxcp).",
           static_cast<double>(m.context_checkpoint_restores_total));
    metric(out, "context_checkpoints", "gauge", "Context checkpoints the slots hold.",
           static_cast<double>(m.context_checkpoints));
    metric(out, "context_checkpoint_bytes", "gauge", "Bytes held by the slots' context checkpoints.",
           static_cast<double>(m.context_checkpoint_bytes));
    metric(out, "n_busy_slots_per_decode", "gauge", "Average number of busy slots per llama_decode() call.",
           m.n_decode_total > 0 ? static_cast<double>(m.busy_slots_total) / static_cast<double>(m.n_decode_total) : 0.0);
    histogram(out, "time_to_first_token_seconds", "Time from a request's admission to its first token.",
              m.time_to_first_token);
    histogram(out, "request_latency_seconds", "Time from a request's admission to its end.", m.request_latency);
    return out.str();
}

}  // namespace cria
