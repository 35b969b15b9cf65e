#include "frontend/template_caps.h"

#include <mutex>

#include "template/chat_template.h"

namespace cria {

namespace {

using json = nlohmann::json;

// Whether rendering `messages` (with `extra`) writes every one of `markers`.
bool renders(const std::string& source, const json& messages, const std::vector<std::string>& markers,
             const json& extra = json::object()) {
    try {
        const std::string out = render_chat(source, messages, false, extra);
        for (const auto& m : markers) {
            if (out.find(m) == std::string::npos) return false;
        }
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

json user(const json& content) { return {{"role", "user"}, {"content", content}}; }

json tool_call(const std::string& name, const json& arguments) {
    return {{"type", "function"}, {"id", "call_" + name}, {"function", {{"name", name}, {"arguments", arguments}}}};
}

json assistant_calling(const json& calls) {
    return {{"role", "assistant"}, {"content", ""}, {"tool_calls", calls}};
}

}  // namespace

static json probe_template_caps(const std::string& source) {
    const json tools = json::array({{{"type", "function"},
                                     {"function",
                                      {{"name", "probe_tool_fn"},
                                       {"description", "probe"},
                                       {"parameters", {{"type", "object"}, {"properties", json::object()}}}}}}});
    const json object_args = {{"probe_arg_key", "probe_arg_value"}};
    const json hi = user("hi");
    return {
        {"supports_string_content", renders(source, json::array({user("probe_string_text")}), {"probe_string_text"})},
        {"supports_typed_content",
         renders(source, json::array({user(json::array({{{"type", "text"}, {"text", "probe_typed_text"}}}))}),
                 {"probe_typed_text"})},
        {"supports_system_role",
         renders(source, json::array({{{"role", "system"}, {"content", "probe_system_text"}}, hi}), {"probe_system_text"})},
        {"supports_tools", renders(source, json::array({hi}), {"probe_tool_fn"}, {{"tools", tools}})},
        {"supports_tool_calls",
         renders(source, json::array({hi, assistant_calling(json::array({tool_call("probe_call_one", "{}")}))}),
                 {"probe_call_one"})},
        {"supports_parallel_tool_calls",
         renders(source,
                 json::array({hi, assistant_calling(json::array({tool_call("probe_call_one", "{}"),
                                                                tool_call("probe_call_two", "{}")}))}),
                 {"probe_call_one", "probe_call_two"})},
        {"supports_object_arguments",
         renders(source, json::array({hi, assistant_calling(json::array({tool_call("probe_call_one", object_args)}))}),
                 {"probe_arg_key"})},
        {"supports_preserve_reasoning",
         renders(source,
                 json::array({hi, {{"role", "assistant"}, {"content", "ok"}, {"reasoning_content", "probe_thought"}},
                              user("again")}),
                 {"probe_thought"})},
        {"supports_reasoning_effort", source.find("reasoning_effort") != std::string::npos},
    };
}

// /props is polled (the web UI, routers, health checkers) and the probes render nine
// conversations: the answer for the last template asked is kept.
json chat_template_caps(const std::string& source) {
    static std::mutex mutex;
    static std::string cached_source;
    static json cached;
    const std::lock_guard<std::mutex> lock(mutex);
    if (cached.is_null() || cached_source != source) {
        cached = probe_template_caps(source);
        cached_source = source;
    }
    return cached;
}

}  // namespace cria
