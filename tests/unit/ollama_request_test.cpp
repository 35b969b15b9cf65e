// Ollama's requests mapped onto cria's: options, format, think, messages, model names, templates.
#include <gtest/gtest.h>

#include "api_error_of.h"

#include "api/ollama_models.h"
#include "api/ollama_request.h"
#include "api/ollama_template.h"

namespace cria {
namespace {

using json = nlohmann::json;

TEST(OllamaOptions, MapOntoNativeSamplingFields) {
    const json body = {{"options",
                        {{"num_predict", 12}, {"temperature", 0.5}, {"top_k", 7}, {"top_p", 0.8}, {"min_p", 0.1},
                         {"typical_p", 0.9}, {"repeat_penalty", 1.2}, {"repeat_last_n", 32}, {"presence_penalty", 0.3},
                         {"frequency_penalty", 0.4}, {"seed", 9}, {"stop", {"\n"}}, {"mirostat", 2}, {"mirostat_tau", 4.0},
                         {"mirostat_eta", 0.2}, {"num_keep", 3}, {"penalize_newline", true}}}};
    const json native = ollama_options_to_native(body, false);
    EXPECT_EQ(native["n_predict"], 12);
    EXPECT_EQ(native["n_keep"], 3);
    EXPECT_EQ(native["penalize_nl"], true);
    EXPECT_EQ(native["stop"], json({"\n"}));
    json with_prompt = native;
    with_prompt["prompt"] = "x";
    const CompletionRequest r = parse_completion_request(with_prompt, CompletionDefaults{});
    const SamplingParams& s = r.generation.sampling;
    EXPECT_EQ(r.generation.stop.n_predict, 12);
    EXPECT_FLOAT_EQ(s.temperature, 0.5f);
    EXPECT_EQ(s.top_k, 7);
    EXPECT_FLOAT_EQ(s.typical_p, 0.9f);
    EXPECT_EQ(s.mirostat, 2);
    EXPECT_EQ(s.seed, 9u);
    // Chat takes its limit as max_tokens; -1 and -2 (until the end / the context is full) set none.
    EXPECT_EQ(ollama_options_to_native({{"options", {{"num_predict", 5}}}}, true), json({{"max_tokens", 5}}));
    EXPECT_EQ(ollama_options_to_native({{"options", {{"num_predict", -2}}}}, false), json::object());
}

TEST(OllamaOptions, UnknownOnesAreIgnoredLoadTimeOnesCheckedWrongTypesNamed) {
    EXPECT_EQ(ollama_options_to_native({{"options", {{"whatever", "x"}, {"num_ctx", 4096}, {"use_mmap", true}}}}, false),
              json::object());
    EXPECT_EQ(error_of([] { ollama_options_to_native({{"options", {{"num_predict", "ten"}}}}, false); }).param,
              "options.num_predict");
    EXPECT_EQ(error_of([] { ollama_options_to_native({{"options", {{"num_ctx", 1.5}}}}, false); }).param, "options.num_ctx");
    EXPECT_EQ(error_of([] { ollama_options_to_native({{"options", {{"stop", {1}}}}}, false); }).param, "options.stop");
    EXPECT_EQ(error_of([] { ollama_options_to_native({{"options", {{"use_mmap", 1}}}}, false); }).param, "options.use_mmap");
    EXPECT_EQ(error_of([] { ollama_options_to_native({{"options", 3}}, false); }).param, "options");
}

TEST(OllamaOptions, NativeRangeErrorsNameTheOllamaOption) {
    const ApiError e = error_of([] {
        parse_ollama_chat({{"messages", {{{"role", "user"}, {"content", "x"}}}}, {"options", {{"top_p", 3}}}},
                          CompletionDefaults{}, "");
    });
    EXPECT_EQ(e.param, "options.top_p");
    EXPECT_NE(e.message.find("'options.top_p'"), std::string::npos) << e.message;
    CompletionDefaults defaults;
    defaults.limits.max_stop_strings = 2;
    const ApiError stops = error_of([&] {
        parse_ollama_generate({{"prompt", "x"}, {"options", {{"stop", {"a", "b", "c"}}}}}, defaults, "");
    });
    EXPECT_EQ(stops.param, "options.stop");
}

TEST(OllamaFormat, JsonOrASchema) {
    EXPECT_TRUE(ollama_format_schema(json::object()).is_null());
    EXPECT_TRUE(ollama_format_schema({{"format", ""}}).is_null());
    EXPECT_EQ(ollama_format_schema({{"format", "json"}}), json({{"type", "object"}}));
    EXPECT_EQ(ollama_format_schema({{"format", {{"type", "string"}}}}), json({{"type", "string"}}));
    EXPECT_EQ(error_of([] { ollama_format_schema({{"format", "yaml"}}); }).param, "format");
    // A schema becomes the chat's grammar, its properties in the order written.
    const std::string raw = R"({"messages":[{"role":"user","content":"x"}],"format":{"type":"object",)"
                            R"("properties":{"zeta":{"type":"integer"},"alpha":{"type":"integer"}},"required":["zeta","alpha"]}})";
    const ChatRequest r = parse_ollama_chat(json::parse(raw), CompletionDefaults{}, raw);
    const std::string& grammar = r.options.generation.sampling.grammar;
    ASSERT_FALSE(grammar.empty());
    EXPECT_LT(grammar.find("zeta"), grammar.find("alpha"));
}

TEST(OllamaChat, MessagesBecomeOpenAiMessages) {
    const json body = {{"messages",
                        {{{"role", "user"}, {"content", "hi"}},
                         {{"role", "assistant"},
                          {"content", ""},
                          {"thinking", "hmm"},
                          {"tool_calls", {{{"function", {{"name", "f"}, {"arguments", {{"a", 1}}}}}}}}},
                         {{"role", "tool"}, {"tool_name", "f"}, {"content", "42"}}}}};
    const json m = ollama_messages_to_openai(body);
    EXPECT_EQ(m[1]["tool_calls"][0]["function"]["name"], "f");
    EXPECT_EQ(m[1]["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
    EXPECT_EQ(m[1]["tool_calls"][0]["type"], "function");
    EXPECT_EQ(m[1]["reasoning_content"], "hmm");
    EXPECT_EQ(m[2]["name"], "f");
    const ChatRequest r = parse_ollama_chat(body, CompletionDefaults{}, "");
    EXPECT_TRUE(r.options.generation.stream);  // Ollama streams by default
    EXPECT_EQ(r.messages.size(), 3u);
    EXPECT_EQ(error_of([] { parse_ollama_chat({{"messages", {{{"role", "robot"}, {"content", "x"}}}}}, CompletionDefaults{}, ""); })
                  .param,
              "messages");
    EXPECT_EQ(error_of([] { parse_ollama_chat({{"messages", {{{"role", "user"}, {"content", 3}}}}}, CompletionDefaults{}, ""); })
                  .param,
              "messages");
}

TEST(OllamaChat, ImagesAreCheckedAndCountedAgainstTheLimit) {
    CompletionDefaults defaults;
    defaults.limits.max_images = 0;
    const json body = {{"messages", {{{"role", "user"}, {"content", "x"}, {"images", {"AAAA"}}}}}};
    EXPECT_EQ(error_of([&] { parse_ollama_chat(body, defaults, ""); }).param, "messages");
    EXPECT_EQ(error_of([] {
                  parse_ollama_chat({{"messages", {{{"role", "user"}, {"content", "x"}, {"images", {"not base64!"}}}}}},
                                    CompletionDefaults{}, "");
              }).status,
              400);
}

TEST(OllamaChat, ThinkSetsTheDialectNeutralFields) {
    const json messages = {{{"role", "user"}, {"content", "x"}}};
    const ChatRequest off = parse_ollama_chat({{"messages", messages}, {"think", false}}, CompletionDefaults{}, "");
    EXPECT_EQ(off.chat_template_kwargs["enable_thinking"], false);
    EXPECT_EQ(off.reasoning_budget, 0);
    const ChatRequest high = parse_ollama_chat({{"messages", messages}, {"think", "high"}}, CompletionDefaults{}, "");
    EXPECT_EQ(high.chat_template_kwargs["reasoning_effort"], "high");
    EXPECT_EQ(high.reasoning_budget, -1);
    EXPECT_EQ(error_of([&] { parse_ollama_chat({{"messages", messages}, {"think", 2}}, CompletionDefaults{}, ""); }).param, "think");
}

TEST(OllamaGenerate, PromptContextAndLoadRequests) {
    const OllamaGenerateRequest load = parse_ollama_generate({{"prompt", ""}, {"keep_alive", 0}}, CompletionDefaults{}, "");
    EXPECT_TRUE(load.load_only);
    EXPECT_TRUE(load.unload);
    const OllamaGenerateRequest r = parse_ollama_generate(
        {{"prompt", "hi"}, {"context", {1, 2, 3}}, {"raw", true}, {"options", {{"num_predict", 4}}}}, CompletionDefaults{}, "");
    EXPECT_FALSE(r.load_only);
    EXPECT_EQ(r.context, (std::vector<Token>{1, 2, 3}));
    EXPECT_TRUE(r.raw);
    EXPECT_EQ(r.options.generation.stop.n_predict, 4);
    EXPECT_EQ(error_of([] { parse_ollama_generate({{"prompt", "x"}, {"context", {-1}}}, CompletionDefaults{}, ""); }).param,
              "context");
    EXPECT_EQ(error_of([] { parse_ollama_generate({{"prompt", "x"}, {"suffix", "y"}}, CompletionDefaults{}, ""); }).param, "suffix");
    EXPECT_EQ(error_of([] { parse_ollama_generate({{"prompt", "x"}, {"keep_alive", true}}, CompletionDefaults{}, ""); }).param,
              "keep_alive");
}

TEST(OllamaEmbed, InputsLimitsAndDimensions) {
    RequestLimits limits;
    limits.max_embedding_inputs = 2;
    EXPECT_EQ(parse_ollama_embed({{"input", "a"}}, limits).embedding.inputs.size(), 1u);
    EXPECT_EQ(parse_ollama_embed({{"input", {"a", "b"}}, {"dimensions", 4}}, limits).dimensions, 4);
    EXPECT_TRUE(parse_ollama_embed({{"input", ""}}, limits).embedding.inputs.empty());
    EXPECT_EQ(error_of([&] { parse_ollama_embed({{"input", {"a", "b", "c"}}}, limits); }).param, "input");
    EXPECT_EQ(error_of([&] { parse_ollama_embed({{"input", {1}}}, limits); }).param, "input");
    EXPECT_EQ(parse_ollama_embeddings({{"prompt", "x"}}).inputs.size(), 1u);
}

TEST(OllamaModels, NamesWithAndWithoutTheLatestTag) {
    OllamaModelFacts facts;
    facts.model_path = "/models/tiny.gguf";
    facts.model_name = facts.model_path;
    EXPECT_EQ(ollama_model_names(facts).front(), "tiny:latest");
    for (const char* name : {"tiny", "tiny:latest", "/models/tiny.gguf"}) EXPECT_TRUE(ollama_model_matches(facts, name)) << name;
    EXPECT_FALSE(ollama_model_matches(facts, "tiny:7b"));
    facts.model_name = "chat:v2";
    EXPECT_EQ(ollama_model_names(facts).front(), "chat:v2");
    EXPECT_TRUE(ollama_model_matches(facts, "tiny"));
    const ApiError missing = error_of([&] { require_ollama_model(facts, {{"model", "other"}}); });
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.message, "model 'other' not found");
    EXPECT_EQ(error_of([&] { require_ollama_model(facts, json::object()); }).message, "model is required");
}

TEST(OllamaModels, ShowTypesTheMetadata) {
    OllamaModelFacts facts;
    facts.model_path = facts.model_name = "/m/x.gguf";
    facts.n_params = 135270000;
    facts.metadata = {{"general.architecture", "llama"}, {"llama.block_count", "2"}, {"llama.rope.freq_base", "10000.5"},
                      {"general.file_type", "15"}, {"tokenizer.chat_template", "{{x}}"}};
    facts.chat_template = "{{x}} tools";
    const json show = ollama_show(facts);
    EXPECT_EQ(show["model_info"]["llama.block_count"], 2);
    EXPECT_DOUBLE_EQ(show["model_info"]["llama.rope.freq_base"].get<double>(), 10000.5);
    EXPECT_FALSE(show["model_info"].contains("tokenizer.chat_template"));
    EXPECT_EQ(show["details"]["quantization_level"], "Q4_K_M");
    EXPECT_EQ(show["details"]["parameter_size"], "135.27M");
    EXPECT_EQ(show["capabilities"], json({"completion", "tools"}));
    EXPECT_EQ(ollama_time(0), "1970-01-01T00:00:00.000000000Z");
}

TEST(OllamaTemplate, RendersTheUsualOneTurnTemplates) {
    const std::string t = "{{ if .System }}<|system|>{{ .System }}\n{{ end }}<|user|>{{ .Prompt }}\n<|assistant|>{{ .Response }}";
    EXPECT_EQ(render_ollama_template(t, "be brief", "hi"), "<|system|>be brief\n<|user|>hi\n<|assistant|>");
    EXPECT_EQ(render_ollama_template(t, "", "hi"), "<|user|>hi\n<|assistant|>");
    EXPECT_EQ(render_ollama_template("A {{- .Prompt -}} B", "", "x"), "AxB");
    EXPECT_EQ(render_ollama_template("{{ if .System }}s{{ else }}none{{ end }}", "", ""), "none");
    EXPECT_EQ(error_of([] { render_ollama_template("{{ range .Messages }}{{ end }}", "", ""); }).param, "template");
    EXPECT_EQ(error_of([] { render_ollama_template("{{ if .Prompt }}x", "", ""); }).param, "template");
    EXPECT_EQ(error_of([] { render_ollama_template("{{ .Prompt", "", ""); }).param, "template");
}

}  // namespace
}  // namespace cria
