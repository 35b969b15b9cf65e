// ModelRegistry's reports: GET /models (llama-server's shape, which is OpenAI's list with a status
// per model) and the router's /metrics series.
#include "router/model_registry.h"
#include "router/model_registry_entry.h"

#include <cstdio>

namespace cria::router {

namespace {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string label(const std::string& value) {
    std::string out;
    for (const char c : value) {
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        if (c == '\\' || c == '"') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

nlohmann::json ModelRegistry::describe() const {
    std::lock_guard<std::mutex> lock(mutex_);
    nlohmann::json data = nlohmann::json::array();
    for (const auto& [name, e] : entries_) {
        nlohmann::json status = {{"value", e->stop_requested && e->state == ModelState::loaded ? "unloading" : state_name(e->state)}};
        status["args"] = nlohmann::json::array({settings_.executable});
        for (const auto& a : child_args(*e, e->port)) status["args"].push_back(a);
        if (e->pid > 0) {
            status["pid"] = e->pid;
            status["port"] = e->port;
        }
        if (e->state == ModelState::failed) {
            status["failed"] = true;
            status["error"] = e->last_error;
        }
        if (e->state == ModelState::sleeping) status["sleeping"] = true;
        if (!e->last_exit.empty()) status["last_exit"] = e->last_exit;
        status["in_flight"] = e->in_flight;
        nlohmann::json inputs = nlohmann::json::array({"text"});
        if (!e->spec.mmproj_path.empty()) inputs.push_back("image");
        data.push_back({{"id", name},
                        {"object", "model"},
                        {"created", created_s_},
                        {"owned_by", "cria"},
                        {"aliases", nlohmann::json::array()},
                        {"tags", nlohmann::json::array()},
                        {"source", e->spec.source},
                        {"path", e->spec.model_path},
                        {"status", status},
                        {"architecture", {{"input_modalities", inputs}, {"output_modalities", {"text"}}}}});
    }
    return {{"object", "list"}, {"data", data}};
}

std::string ModelRegistry::metrics_text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    struct Series {
        const char* name;
        const char* type;
        const char* help;
        double (*value)(const Entry&);
    };
    static const Series series[] = {
        {"cria_router_model_loaded", "gauge", "1 while the model's process is loaded and serving",
         [](const Entry& e) { return e.state == ModelState::loaded ? 1.0 : 0.0; }},
        {"cria_router_model_loading", "gauge", "1 while the model is loading",
         [](const Entry& e) { return e.state == ModelState::loading ? 1.0 : 0.0; }},
        {"cria_router_model_failed", "gauge", "1 when the model's last load failed",
         [](const Entry& e) { return e.state == ModelState::failed ? 1.0 : 0.0; }},
        {"cria_router_model_requests_in_flight", "gauge", "requests being answered by the model",
         [](const Entry& e) { return static_cast<double>(e.in_flight); }},
        {"cria_router_model_requests_total", "counter", "requests routed to the model",
         [](const Entry& e) { return static_cast<double>(e.requests); }},
        {"cria_router_model_loads_total", "counter", "successful loads of the model",
         [](const Entry& e) { return static_cast<double>(e.loads); }},
        {"cria_router_model_load_failures_total", "counter", "loads that failed",
         [](const Entry& e) { return static_cast<double>(e.load_failures); }},
        {"cria_router_model_crashes_total", "counter", "times the model's process ended unexpectedly",
         [](const Entry& e) { return static_cast<double>(e.crashes); }},
        {"cria_router_model_last_load_seconds", "gauge", "how long the model's last load took",
         [](const Entry& e) { return e.last_load_seconds; }},
    };
    std::string text;
    for (const auto& s : series) {
        text += std::string("# HELP ") + s.name + " " + s.help + "\n# TYPE " + s.name + " " + s.type + "\n";
        for (const auto& [name, e] : entries_) {
            char value[64];
            std::snprintf(value, sizeof value, "%g", s.value(*e));
            text += std::string(s.name) + "{model=\"" + label(name) + "\"} " + value + "\n";
        }
    }
    return text;
}

}  // namespace cria::router
