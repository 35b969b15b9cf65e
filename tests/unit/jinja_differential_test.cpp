// Differential test of our Jinja2 engine against Python's jinja2: tests/templates/render_reference.py
// renders every template of tests/templates/corpus with every conversation of
// tests/templates/conversations; render_chat() must give byte-identical output, and fail where
// Python fails (with the same message for raise_exception). Skipped when /usr/bin/python3 or its
// jinja2 module is missing.
#include "template/chat_template.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::filesystem::path templates_dir() {
  // This file is tests/unit/jinja_differential_test.cpp.
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "templates";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool run_command(const std::string& command, std::string& output) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return false;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  return pclose(pipe) == 0;
}

}  // namespace

TEST(JinjaDifferential, CorpusMatchesPythonJinja2) {
  if (!std::filesystem::exists("/usr/bin/python3") ||
      std::system("/usr/bin/python3 -c 'import jinja2' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with jinja2 is not available";
  }
  std::filesystem::path dir = templates_dir();
  ASSERT_TRUE(std::filesystem::exists(dir / "render_reference.py")) << dir;
  std::string output;
  ASSERT_TRUE(run_command("/usr/bin/python3 '" + (dir / "render_reference.py").string() + "'", output)) << output;
  nlohmann::json reference = nlohmann::json::parse(output);
  const auto& cases = reference.at("cases");
  ASSERT_GE(cases.size(), 60u);

  int compared = 0;
  for (const auto& c : cases) {
    std::string tname = c.at("template").get<std::string>();
    std::string cname = c.at("conversation").get<std::string>();
    SCOPED_TRACE(tname + " x " + cname);
    std::string source = read_file(dir / "corpus" / tname);
    nlohmann::json conv = nlohmann::json::parse(read_file(dir / "conversations" / cname));
    nlohmann::json extra = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
    if (conv.contains("tools")) extra["tools"] = conv["tools"];
    bool generation_prompt = conv.at("add_generation_prompt").get<bool>();
    if (c.at("output").is_string()) {
      std::string expected = c.at("output").get<std::string>();
      try {
        EXPECT_EQ(cria::render_chat(source, conv.at("messages"), generation_prompt, extra), expected);
      } catch (const cria::TemplateError& e) {
        ADD_FAILURE() << "unexpected error: " << e.what();
      }
    } else {
      std::string error_type = c.at("error_type").get<std::string>();
      std::string message = c.at("error").get<std::string>();
      try {
        std::string got = cria::render_chat(source, conv.at("messages"), generation_prompt, extra);
        ADD_FAILURE() << "expected " << error_type << " (" << message << "), got output:\n" << got;
      } catch (const cria::TemplateError& e) {
        if (error_type == "TemplateError") {
          EXPECT_EQ(e.message(), message);
        }
      }
    }
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(cases.size()));
}
