#include "api/responses_output.h"

#include "api/openai_completion.h"

namespace cria {

namespace {

using json = nlohmann::json;
using Kind = AnswerEvent::Kind;

json text_part(const char* type, const std::string& text) {
    json part = {{"type", type}, {"text", text}};
    if (std::string(type) == "output_text") {
        part["annotations"] = json::array();
        part["logprobs"] = json::array();
    }
    return part;
}

}  // namespace

json ResponsesOutput::event(const char* type) const {
    return {{"type", type}, {"output_index", items_.size()}, {"item_id", item_["id"]}};
}

std::vector<json> ResponsesOutput::open(Open kind, const std::string& name) {
    open_ = kind;
    text_.clear();
    std::vector<json> events;
    switch (kind) {
        case Open::message:
            item_ = {{"id", openai_id("msg_")}, {"type", "message"}, {"status", "in_progress"}, {"role", "assistant"},
                     {"content", json::array()}};
            break;
        case Open::reasoning:
            item_ = {{"id", openai_id("rs_")}, {"type", "reasoning"}, {"status", "in_progress"}, {"summary", json::array()},
                     {"content", json::array()}};
            break;
        case Open::function_call:
            item_ = {{"id", openai_id("fc_")}, {"type", "function_call"}, {"status", "in_progress"},
                     {"call_id", tool_call_id(format_)}, {"name", name}, {"arguments", ""}};
            break;
        case Open::none: return events;
    }
    events.push_back({{"type", "response.output_item.added"}, {"output_index", items_.size()}, {"item", item_}});
    if (kind != Open::function_call) {
        json added = event("response.content_part.added");
        added["content_index"] = 0;
        added["part"] = text_part(kind == Open::message ? "output_text" : "reasoning_text", "");
        events.push_back(std::move(added));
    }
    return events;
}

std::vector<json> ResponsesOutput::close(const char* status) {
    std::vector<json> events;
    if (open_ == Open::none) return events;
    if (open_ == Open::function_call) {
        json done = event("response.function_call_arguments.done");
        done["name"] = item_["name"];
        done["arguments"] = text_;
        events.push_back(std::move(done));
        item_["arguments"] = text_;
    } else {
        const bool message = open_ == Open::message;
        const json part = text_part(message ? "output_text" : "reasoning_text", text_);
        json text_done = event(message ? "response.output_text.done" : "response.reasoning_text.done");
        text_done["content_index"] = 0;
        text_done["text"] = text_;
        if (message) text_done["logprobs"] = json::array();
        json part_done = event("response.content_part.done");
        part_done["content_index"] = 0;
        part_done["part"] = part;
        events.push_back(std::move(text_done));
        events.push_back(std::move(part_done));
        item_["content"] = json::array({part});
    }
    item_["status"] = status;
    events.push_back({{"type", "response.output_item.done"}, {"output_index", items_.size()}, {"item", item_}});
    items_.push_back(std::move(item_));
    item_ = json();
    text_.clear();
    open_ = Open::none;
    return events;
}

std::vector<json> ResponsesOutput::apply(const AnswerEvent& e) {
    std::vector<json> events;
    auto append = [&events](std::vector<json> more) {
        for (auto& m : more) events.push_back(std::move(m));
    };
    const Open wanted = e.kind == Kind::content     ? Open::message
                        : e.kind == Kind::reasoning ? Open::reasoning
                                                    : Open::function_call;
    const bool new_call = e.kind == Kind::tool_call_begin ||
                          (e.kind == Kind::tool_call_arguments && (open_ != wanted || call_index_ != e.tool_index));
    if (open_ != wanted || new_call) {
        append(close("completed"));
        append(open(wanted, e.kind == Kind::tool_call_begin ? e.text : std::string()));
        call_index_ = e.tool_index;
    }
    if (e.kind == Kind::tool_call_begin || e.text.empty()) return events;
    text_ += e.text;
    const char* type = e.kind == Kind::content     ? "response.output_text.delta"
                       : e.kind == Kind::reasoning ? "response.reasoning_text.delta"
                                                   : "response.function_call_arguments.delta";
    json delta = event(type);
    if (e.kind != Kind::tool_call_arguments) delta["content_index"] = 0;
    if (e.kind == Kind::content) delta["logprobs"] = json::array();
    delta["delta"] = e.text;
    events.push_back(std::move(delta));
    return events;
}

std::vector<json> ResponsesOutput::finish(bool incomplete) {
    std::vector<json> events = close(incomplete ? "incomplete" : "completed");
    if (items_.empty()) {
        events = open(Open::message, "");
        for (auto& e : close(incomplete ? "incomplete" : "completed")) events.push_back(std::move(e));
    }
    return events;
}

}  // namespace cria
