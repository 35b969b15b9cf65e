// GET /health, /props and /slots.
#include <ctime>

#include "api/json_fields.h"
#include "api/metrics_text.h"
#include "api/props_update.h"
#include "frontend/chat_prompt.h"
#include "frontend/engine_adapters.h"
#include "frontend/template_caps.h"
#include "http/server_context.h"

namespace cria {

namespace {

using json = nlohmann::json;

// When this process started (static initialization runs before main), for /metrics'
// Process-Start-Time-Unix header.
const std::time_t kProcessStart = std::time(nullptr);

// A slot as the seed's /slots shows it: the request's settings, its prompt and its progress.
json slot_json(const ServerContext& context, const SlotStatus& s) {
    const int32_t n_ctx_slot = context.engine.info().n_ctx_slot;
    const auto defaults = context.completion_defaults.get();
    // An idle slot shows the default sampling and speculative settings; its other fields keep a
    // request's neutral values (/props shows the full defaults).
    GenerationRequest idle;
    idle.sampling = defaults->sampling;
    idle.speculative = defaults->speculative;
    const GenerationRequest& r = s.task ? s.task->request() : idle;
    json slot = generation_settings_json(r, context.model_name, n_ctx_slot);
    const int32_t n_remain = r.stop.n_predict < 0 ? -1 : std::max(0, r.stop.n_predict - s.n_decoded);
    slot.update({{"id", s.id},
                 {"state", s.processing ? 1 : 0},
                 {"is_processing", s.processing},
                 {"id_task", s.processing ? json(s.task_id) : json(-1)},
                 {"task_id", s.processing ? json(s.task_id) : json(-1)},
                 {"n_ctx", n_ctx_slot},
                 {"n_cached", s.n_cached},
                 {"n_decoded", s.n_decoded},
                 {"prompt", s.task ? context.engine.vocabulary().detokenize(r.prompt) : std::string()},
                 {"next_token",
                  {{"has_next_token", s.processing}, {"n_remain", n_remain}, {"n_decoded", s.n_decoded}}}});
    return slot;
}

json slots_json(const ServerContext& context) {
    json slots = json::array();
    for (const auto& s : context.engine.slot_statuses()) slots.push_back(slot_json(context, s));
    return slots;
}

// Which device holds how many layers (the output layer counts as one), as libllama placed them.
json device_layers_json(const std::vector<DeviceLayers>& entries) {
    json out = json::array();
    for (const auto& entry : entries) out.push_back({{"device", entry.device}, {"layers", entry.layers}});
    return out;
}

// What the pass-through options became in libllama: threads, devices and offload, memory, NUMA,
// self-extend.
json runtime_json(const EngineInfo& info) {
    const RuntimeInfo& r = info.runtime;
    return {{"n_threads", r.n_threads},
            {"n_threads_batch", r.n_threads_batch},
            {"devices", r.devices},
            {"gpu_devices", r.gpu_devices},
            {"rpc_servers", r.rpc_servers},
            {"device_layers", device_layers_json(r.device_layers)},
            {"gpu_offload_supported", r.gpu_offload_supported},
            {"n_layers", r.n_layer + 1},
            {"n_gpu_layers", r.n_gpu_layers},
            {"n_gpu_layers_offloaded", r.n_gpu_layers_offloaded},
            {"main_gpu", r.main_gpu},
            {"split_mode", r.split_mode},
            {"tensor_split", r.tensor_split},
            {"mmap", r.mmap},
            {"mlock", r.mlock},
            {"check_tensors", r.check_tensors},
            {"kv_overrides", r.kv_overrides},
            {"numa", r.numa.empty() ? json(nullptr) : json(r.numa)},
            {"n_ctx_train", info.n_ctx_train},
            {"grp_attn_n", r.grp_attn_n},
            {"grp_attn_w", r.grp_attn_w},
            {"max_position", r.max_position},
            {"rope_scaling", r.tuning.rope_scaling.empty() ? json(nullptr) : json(r.tuning.rope_scaling)},
            {"rope_freq_base", r.tuning.rope_freq_base},
            {"rope_freq_scale", r.tuning.rope_freq_scale},
            {"cache_type_k", r.tuning.cache_type_k},
            {"cache_type_v", r.tuning.cache_type_v},
            {"kv_offload", r.tuning.kv_offload},
            {"swa_full", r.tuning.swa_full},
            {"context_shift", r.context_shift}};
}

void handle_health(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    switch (context.state.load()) {
        case ServerState::loading: send_json(res, {{"status", "loading model"}}, 503); return;
        case ServerState::failed: send_json(res, {{"status", "error"}}, 500); return;
        case ServerState::ready: break;
    }
    const BackendHealth backend = context.engine.backend_health();
    if (backend.degraded) {  // a lost --rpc worker: 503 until the model is loaded again over every worker
        send_json(res, {{"status", "degraded"}, {"error", backend.message}, {"rpc_workers_unreachable", backend.unreachable}}, 503);
        return;
    }
    const int32_t total = context.engine.info().n_slots;
    const int32_t processing = context.engine.slots_processing();
    const int32_t idle = total - processing;
    json body = {{"status", idle > 0 ? "ok" : "no slot available"}, {"slots_idle", idle}, {"slots_processing", processing}};
    if (req.has_param("include_slots") && context.options.http.slots_endpoint) body["slots"] = slots_json(context);
    send_json(res, body, idle == 0 && req.has_param("fail_on_no_slot") ? 503 : 200);
}

// --ui-config as the web UI's settings object ({} when unset or not an object).
json ui_settings_json(const std::string& text) {
    const json parsed = json::parse(text.empty() ? "{}" : text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_object() ? parsed : json::object();
}

// The seed's flat settings, and llama-server's {"params": settings, "n_ctx": n} beside them.
json default_settings_json(const GenerationRequest& defaults, const std::string& model_name, int32_t n_ctx_slot) {
    json settings = generation_settings_json(defaults, model_name, n_ctx_slot);
    json params = settings;
    settings["params"] = std::move(params);
    return settings;
}

// GET /props: the server-wide defaults (one snapshot of them) and facts about the loaded model.
json props_json(const ServerContext& context) {
    const EngineInfo& info = context.engine.info();
    GenerationRequest defaults = default_generation_request(*context.completion_defaults.get());
    LoraScales lora_scales;
    for (const auto& adapter : context.engine.lora_adapters()) lora_scales.push_back(adapter.scale);
    defaults.lora = lora_scales;
    const auto system_prompt = context.system_prompt.get();
    const VocabularyTokenizer tokenizer(context.engine.vocabulary());
    const HttpConfig& http = context.options.http;
    return {{"assistant_name", system_prompt->text.assistant_name},
            {"user_name", system_prompt->text.anti_prompt},
            {"system_prompt", system_prompt->text.prompt},
            {"default_generation_settings", default_settings_json(defaults, context.model_name, info.n_ctx_slot)},
            {"total_slots", info.n_slots},
            {"model_path", info.model_path},
            {"model_alias", context.model_name},
            {"n_ctx", info.n_ctx},
            {"n_ctx_slot", info.n_ctx_slot},
            {"chat_template", info.chat_template},
            {"chat_template_caps", chat_template_caps(chat_template_source(context.options.chat_template, info.chat_template))},
            {"bos_token", tokenizer.piece(tokenizer.bos(), true)},
            {"eos_token", tokenizer.piece(tokenizer.eos(), true)},
            {"modalities", {{"vision", info.vision}, {"video", info.video}, {"audio", false}}},
            {"endpoint_slots", http.slots_endpoint},
            {"endpoint_metrics", http.metrics},
            {"endpoint_props", http.props_endpoint},
            {"ui", http.webui},
            {"is_sleeping", false},
            {"cors_proxy_enabled", context.options.agent.mcp_proxy},
            {"ui_settings", ui_settings_json(http.ui_config)},
            {"model_ftype", info.model_description.substr(info.model_description.rfind(' ') + 1)},
            {"runtime", runtime_json(info)},
            {"build_info", "cria"}};
}

// GET /metrics: the engine's counters and the gauges read now, in Prometheus text.
std::string metrics_text(const ServerContext& context) {
    MetricsGauges gauges;
    for (const auto& s : context.engine.slot_statuses()) gauges.kv_cache_tokens += s.n_cached;
    gauges.n_ctx = context.engine.info().n_ctx;
    gauges.requests_processing = context.engine.slots_processing();
    gauges.requests_deferred = static_cast<int64_t>(context.engine.tasks_waiting());
    return prometheus_text(context.engine.metrics(), gauges);
}

void handle_props(ServerContext& context, const httplib::Request&, httplib::Response& res) {
    require_ready(context);
    send_json(res, props_json(context));
}

// Changes the server-wide defaults (api/props_update.h); only with --props, as in llama-server.
void handle_props_update(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    if (!context.options.http.props_endpoint) {
        throw not_supported_error("This server does not support changing global properties. Start it with `--props`");
    }
    require_ready(context);
    const json body = parse_json_object(req.body);
    context.completion_defaults.update(
        [&body](const CompletionDefaults& current) { return parse_props_update(body, current); });
    send_json(res, {{"success", true}});
}

void handle_metrics(ServerContext& context, const httplib::Request&, httplib::Response& res) {
    if (!context.options.http.metrics) throw not_supported_error("This server does not support metrics endpoint.");
    require_ready(context);
    res.set_header("Process-Start-Time-Unix", std::to_string(static_cast<int64_t>(kProcessStart)));
    res.set_content(metrics_text(context), "text/plain; version=0.0.4");
}

void handle_slots(ServerContext& context, const httplib::Request&, httplib::Response& res) {
    if (!context.options.http.slots_endpoint) throw not_supported_error("This server does not support slots endpoint.");
    require_ready(context);
    send_json(res, slots_json(context));
}

}  // namespace

void register_info_routes(Routes& routes, ServerContext& context) {
    const auto health = api_route(context, handle_health);
    routes.Get("/health", health);
    routes.Get("/v1/health", health);
    routes.Get("/props", api_route(context, handle_props));
    routes.Post("/props", api_route(context, handle_props_update));
    routes.Get("/metrics", api_route(context, handle_metrics));
    routes.Get("/slots", api_route(context, handle_slots));
}

}  // namespace cria
