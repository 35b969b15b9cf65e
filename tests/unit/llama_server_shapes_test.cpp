// llama-server's response shapes beside the seed's (issue 13, part 5): n_probs entries,
// response_fields, the context-size error, /metrics names, chat template caps, and --no-jinja's
// built-in formats through their interface (a fake here; libllama's own in the e2e tests).
#include <gtest/gtest.h>

#include <cmath>

#include "api/api_error.h"
#include "api/completion_response.h"
#include "api/metrics_text.h"
#include "frontend/builtin_chat.h"
#include "frontend/template_caps.h"

namespace cria {
namespace {

using json = nlohmann::json;

class Pieces final : public TokenPieces {
public:
    std::string piece(Token token, bool) const override { return token == 7 ? "\xC3\xA9" : "t" + std::to_string(token); }
    int32_t size() const override { return 100; }
};

std::vector<TokenProbabilities> one_token() {
    return {TokenProbabilities{7, 0.5f, {TokenCandidate{7, 0.5f}, TokenCandidate{3, 0.25f}}}};
}

TEST(LlamaServerShapes, ProbabilitiesCarryBothShapes) {
    const json out = probabilities_json(one_token(), Pieces());
    ASSERT_EQ(out.size(), 1u);
    const json& e = out[0];
    // The seed's.
    EXPECT_EQ(e["content"], "\xC3\xA9");
    EXPECT_EQ(e["probs"][1]["tok_str"], "t3");
    EXPECT_FLOAT_EQ(e["probs"][1]["prob"].get<float>(), 0.25f);
    // llama-server's.
    EXPECT_EQ(e["id"], 7);
    EXPECT_EQ(e["token"], "\xC3\xA9");
    EXPECT_EQ(e["bytes"], json({0xC3, 0xA9}));
    EXPECT_NEAR(e["logprob"].get<double>(), std::log(0.5), 1e-6);
    EXPECT_EQ(e["top_logprobs"][1]["id"], 3);
    EXPECT_NEAR(e["top_logprobs"][1]["logprob"].get<double>(), std::log(0.25), 1e-6);
    EXPECT_FALSE(e.contains("top_probs"));
}

TEST(LlamaServerShapes, PostSamplingProbsSwitchesToProbabilities) {
    const json e = probabilities_json(one_token(), Pieces(), /*post_sampling_probs=*/true)[0];
    EXPECT_FALSE(e.contains("logprob"));
    EXPECT_FALSE(e.contains("top_logprobs"));
    EXPECT_FLOAT_EQ(e["prob"].get<float>(), 0.5f);
    EXPECT_FLOAT_EQ(e["top_probs"][1]["prob"].get<float>(), 0.25f);
    EXPECT_TRUE(e.contains("probs"));  // the seed's stay
}

TEST(LlamaServerShapes, AZeroProbabilityStillHasANumericLogprob) {
    const json e = probabilities_json({TokenProbabilities{3, 0.0f, {}}}, Pieces())[0];
    EXPECT_TRUE(e["logprob"].is_number());
    EXPECT_TRUE(std::isfinite(e["logprob"].get<double>()));
}

TEST(LlamaServerShapes, SelectFieldsReachesIntoObjects) {
    const json body = {{"content", "x"}, {"timings", {{"prompt_n", 3}}}, {"stop", true}};
    EXPECT_EQ(select_fields(body, {"content", "timings/prompt_n", "timings/none", "missing"}),
              json({{"content", "x"}, {"timings/prompt_n", 3}}));
    EXPECT_EQ(select_fields(body, {}), json::object());
}

TEST(LlamaServerShapes, ExceedContextSizeError) {
    const json out = exceed_context_size_error(700, 512).to_json();
    EXPECT_EQ(out["error"]["code"], 400);
    EXPECT_EQ(out["error"]["type"], "exceed_context_size_error");
    EXPECT_EQ(out["error"]["n_prompt_tokens"], 700);
    EXPECT_EQ(out["error"]["n_ctx"], 512);
    EXPECT_EQ(out["error"]["param"], "prompt");
}

TEST(LlamaServerShapes, MetricsNamesOfLlamaServer07) {
    MetricsSnapshot m;
    m.n_decode_total = 4;
    m.busy_slots_total = 6;
    const std::string text = prometheus_text(m, MetricsGauges{});
    for (const char* name : {"prompt_tokens_cached_total", "n_decode_total", "n_tokens_max", "spec_decode_num_draft_tokens_total",
                             "spec_decode_num_accepted_tokens_total", "spec_decode_num_drafts_total"}) {
        EXPECT_NE(text.find(std::string("# TYPE llamacpp:") + name + " counter\n"), std::string::npos) << name;
    }
    EXPECT_NE(text.find("llamacpp:n_busy_slots_per_decode 1.5\n"), std::string::npos) << text;
}

TEST(LlamaServerShapes, TemplateCapsFromProbes) {
    const std::string chatml =
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}";
    const json caps = chat_template_caps(chatml);
    EXPECT_TRUE(caps["supports_system_role"]);
    EXPECT_TRUE(caps["supports_string_content"]);
    EXPECT_FALSE(caps["supports_tools"]);
    EXPECT_FALSE(caps["supports_tool_calls"]);
    EXPECT_FALSE(caps["supports_reasoning_effort"]);
    const std::string with_tools =
        "{% if tools %}{% for t in tools %}{{ t.function.name }}{% endfor %}{% endif %}"
        "{% for m in messages %}{{ m.role }}:{% if m.tool_calls %}{% for c in m.tool_calls %}{{ c.function.name }}"
        "{{ c.function.arguments | tojson }}{% endfor %}{% else %}{{ m.content }}{% endif %}{% endfor %}";
    const json tool_caps = chat_template_caps(with_tools);
    EXPECT_TRUE(tool_caps["supports_tools"]);
    EXPECT_TRUE(tool_caps["supports_tool_calls"]);
    EXPECT_TRUE(tool_caps["supports_parallel_tool_calls"]);
    EXPECT_TRUE(tool_caps["supports_object_arguments"]);
    // A template that refuses everything supports nothing.
    EXPECT_FALSE(chat_template_caps("{{ raise_exception('no') }}")["supports_string_content"]);
}

// Knows one format, "fmt", and the template text "<detect-me>"; records what it was asked.
class FakeFormats final : public BuiltinChatFormats {
public:
    mutable std::vector<std::string> asked;
    std::optional<std::string> apply(const std::string& source, const std::vector<ChatTurn>& turns, bool add) const override {
        asked.push_back(source);
        if (source != "fmt" && source != "<detect-me>" && source != "chatml") return std::nullopt;
        std::string out = source + "|";
        for (const auto& t : turns) out += t.role + "=" + t.content + ";";
        return out + (add ? "assistant=" : "");
    }
};

TEST(LlamaServerShapes, NoJinjaUsesTheNamedFormatElseTheDetectedOneElseChatml) {
    const json messages = json::array({{{"role", "user"}, {"content", json::array({{{"type", "text"}, {"text", "a"}},
                                                                                  {{"type", "text"}, {"text", "b"}}})}}});
    FakeFormats formats;
    EXPECT_EQ(render_builtin_conversation(formats, "fmt", "<detect-me>", messages, false), "fmt|user=a\nb;assistant=");
    EXPECT_EQ(render_builtin_conversation(formats, "", "<detect-me>", messages, false), "<detect-me>|user=a\nb;assistant=");
    formats.asked.clear();
    EXPECT_EQ(render_builtin_conversation(formats, "unknown", "{{ jinja }}", messages, false), "chatml|user=a\nb;assistant=");
    EXPECT_EQ(formats.asked, (std::vector<std::string>{"unknown", "{{ jinja }}", "chatml"}));
    try {
        render_builtin_conversation(formats, "fmt", "", messages, true);
        FAIL() << "tools were accepted";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status, 400);
        EXPECT_EQ(e.param, "tools");
    }
}

}  // namespace
}  // namespace cria
