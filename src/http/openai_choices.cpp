#include "http/openai_choices.h"

#include <chrono>
#include <variant>

#include "api/completion_response.h"

namespace cria {

namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

void cancel_all(std::vector<Choice>& choices) {
    for (auto& c : choices) c.task->cancel();
}

}  // namespace

json openai_usage(int64_t prompt_tokens, int64_t completion_tokens) {
    return {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}};
}

std::vector<Choice> submit_choices(ServerContext& context, const std::vector<GenerationRequest>& prompts,
                                   const std::vector<std::string>& prompt_texts, int32_t n) {
    std::vector<Choice> choices;
    int32_t index = 0;
    for (size_t p = 0; p < prompts.size(); ++p) {
        for (int32_t k = 0; k < n; ++k) {
            GenerationRequest g = prompts[p];
            if (g.sampling.seed != kRandomSeed) g.sampling.seed += static_cast<uint32_t>(k);
            Choice c;
            c.index = index++;
            c.prompt_text = prompt_texts[p];
            c.prompt_tokens = static_cast<int64_t>(g.prompt.size());
            c.counts_prompt = k == 0;
            c.task = context.engine.submit(std::move(g));
            if (!c.task) {
                cancel_all(choices);
                throw unavailable_error("the server is shutting down");
            }
            choices.push_back(std::move(c));
        }
    }
    return choices;
}

void respond_whole(const httplib::Request& req, httplib::Response& res, std::vector<Choice>& choices,
                   const ChoiceFormat& format) {
    json out = json::array();
    int64_t prompt_tokens = 0, completion_tokens = 0;
    for (auto& c : choices) {
        for (;;) {
            auto event = c.task->next_event(milliseconds(100));
            if (!event) {
                if (req.is_connection_closed()) return cancel_all(choices);
                continue;
            }
            if (const auto* failure = std::get_if<TaskFailure>(&*event)) {
                cancel_all(choices);
                return send_error(res, task_failure_error(*failure));
            }
            if (const auto* r = std::get_if<CompletionResult>(&*event)) {
                note_request_tokens(c.counts_prompt ? r->n_prompt_tokens : 0, r->timings.predicted_n);
                out.push_back(format.whole_choice(c, *r));
                if (c.counts_prompt) prompt_tokens += c.prompt_tokens;
                completion_tokens += r->timings.predicted_n;
                break;
            }
        }
    }
    send_json(res, format.envelope(out, openai_usage(prompt_tokens, completion_tokens)));
}

void respond_stream(httplib::Response& res, std::vector<Choice> submitted, ChoiceFormat format, bool include_usage) {
    auto state = std::make_shared<std::vector<Choice>>(std::move(submitted));
    send_event_stream(
        res,
        [state, format, include_usage](size_t, httplib::DataSink& sink) {
            auto& choices = *state;
            auto write = [&](const json& payload) {
                if (payload.is_null()) return true;
                const std::string data = sse_event(payload);
                return sink.write(data.data(), data.size());
            };
            for (const auto& c : choices) {
                if (!write(format.stream_start(c))) {
                    cancel_all(choices);
                    return false;
                }
            }
            std::vector<bool> done(choices.size(), false);
            size_t remaining = choices.size();
            int64_t prompt_tokens = 0, completion_tokens = 0;
            // Round robin: each wait is short so that no choice starves the others.
            const milliseconds slice(std::max<int64_t>(1, 100 / static_cast<int64_t>(choices.size())));
            while (remaining > 0) {
                bool any = false;
                for (size_t i = 0; i < choices.size(); ++i) {
                    if (done[i]) continue;
                    auto event = choices[i].task->next_event(slice);
                    if (!event) continue;
                    any = true;
                    bool ok = true;
                    if (const auto* chunk = std::get_if<TokenChunk>(&*event)) {
                        ok = write(format.stream_token(choices[i], *chunk));
                    } else if (const auto* r = std::get_if<CompletionResult>(&*event)) {
                        note_request_tokens(choices[i].counts_prompt ? r->n_prompt_tokens : 0, r->timings.predicted_n);
                        ok = write(format.stream_end(choices[i], *r));
                        if (choices[i].counts_prompt) prompt_tokens += choices[i].prompt_tokens;
                        completion_tokens += r->timings.predicted_n;
                        done[i] = true;
                        --remaining;
                    } else {
                        write(task_failure_error(std::get<TaskFailure>(*event)).to_json());
                        cancel_all(choices);
                        sink.done();
                        return true;
                    }
                    if (!ok) {
                        cancel_all(choices);
                        return false;
                    }
                }
                if (!any && !sink.is_writable()) {
                    cancel_all(choices);
                    return false;
                }
            }
            if (include_usage) write(format.envelope(json::array(), openai_usage(prompt_tokens, completion_tokens)));
            const std::string done_line = "data: [DONE]\n\n";
            sink.write(done_line.data(), done_line.size());
            sink.done();
            return true;
        },
        [state](bool) { cancel_all(*state); });
}

}  // namespace cria
