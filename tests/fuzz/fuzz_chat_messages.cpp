// Real chat templates (the built-in ones and tests/templates/corpus) rendered with conversations
// from the fuzzer: the first byte chooses the template, the rest is JSON text of the shape of
// tests/templates/conversations ({"messages": [...], "tools": [...], "add_generation_prompt": ...,
// any extra variables}). Each conversation is rendered twice, as the fuzzer wrote it (roles,
// content strings or arrays, tool_calls, extra fields: everything a template may see) and, when it
// passes, after parse_chat_request as the server renders it. TemplateError (raise_exception, or a
// value the template cannot handle) and ApiError are answers; anything else is a finding.
#include <dirent.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/json_fields.h"
#include "api/openai_chat.h"
#include "fuzz_common.h"
#include "template/builtin_templates.h"
#include "template/chat_template.h"

namespace {

using namespace cria;

std::vector<std::string> templates;

void load_templates() {
    for (const auto& builtin : builtin_templates()) templates.push_back(builtin.text);
    const std::string dir = CRIA_SOURCE_DIR "/tests/templates/corpus";
    if (DIR* d = opendir(dir.c_str())) {
        while (const dirent* entry = readdir(d)) {
            const std::string name = entry->d_name;
            if (name.size() < 6 || name.compare(name.size() - 6, 6, ".jinja") != 0) continue;
            std::ifstream in(dir + "/" + name, std::ios::binary);
            templates.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        closedir(d);
    }
}

void render_raw(const std::string& source, const nlohmann::json& conversation) {
    nlohmann::json extra = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
    for (auto it = conversation.begin(); it != conversation.end(); ++it) {
        if (it.key() != "messages" && it.key() != "add_generation_prompt") extra[it.key()] = it.value();
    }
    const auto add = conversation.find("add_generation_prompt");
    const bool add_generation_prompt = add == conversation.end() || !add->is_boolean() || add->get<bool>();
    render_chat(source, conversation.at("messages"), add_generation_prompt, extra);
}

void render_parsed(const std::string& source, const std::string& text) {
    static const CompletionDefaults defaults;
    const ChatRequest request = parse_chat_request(parse_json_object(text), defaults, text);
    nlohmann::json extra = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
    if (request.offers_tools()) extra["tools"] = request.tools;
    render_chat(source, request.messages, true, extra);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    load_templates();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::ByteReader in(data, size);
    const std::string& source = templates[in.byte() % templates.size()];
    const std::string text = in.rest();
    if (json_nesting_depth(text, kDefaultMaxJsonDepth) > kDefaultMaxJsonDepth) return 0;  // the server's pre-scan
    const nlohmann::json conversation = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (conversation.is_discarded() || !conversation.is_object() || !conversation.contains("messages")) return 0;
    fuzz::expect_only<TemplateError>([&] { render_raw(source, conversation); });
    fuzz::expect_only<TemplateError>([&] { render_parsed(source, text); });
    return 0;
}
