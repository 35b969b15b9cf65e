// Tests of the agent tools' pure parts (src/agent/): glob patterns, edits, runtimes' command
// lines, MCP configuration, and the tools themselves on a temporary directory with the host runtime
// (process limits: timeout and output cap).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/builtin_tools.h"
#include "agent/glob_pattern.h"
#include "agent/mcp_servers.h"
#include "agent/text_edits.h"
#include "agent/tool_files.h"
#include "agent/tool_runtime.h"
#include "api/api_error.h"

namespace {

using namespace cria::agent;
using nlohmann::json;
namespace fs = std::filesystem;

bool glob_matches(const std::string& pattern, const std::string& path) {
    std::string error;
    const auto glob = GlobPattern::compile(pattern, &error);
    EXPECT_TRUE(glob.has_value()) << error;
    return glob && glob->matches(path);
}

TEST(AgentGlob, NameOnlyPatternsMatchAtAnyDepth) {
    EXPECT_TRUE(glob_matches("*.cpp", "main.cpp"));
    EXPECT_TRUE(glob_matches("*.cpp", "src/deep/main.cpp"));
    EXPECT_FALSE(glob_matches("*.cpp", "src/main.cpp.txt"));
    EXPECT_TRUE(glob_matches("**", "a/b/c"));
    EXPECT_TRUE(glob_matches("m?in.[ch]*", "x/main.cpp"));
    EXPECT_FALSE(glob_matches("[!m]ain.cpp", "main.cpp"));
}

TEST(AgentGlob, PathPatternsAreAnchoredWithDoubleStar) {
    EXPECT_TRUE(glob_matches("src/*.h", "src/a.h"));
    EXPECT_TRUE(glob_matches("src/*.h", "lib/src/a.h"));  // "**/" added
    EXPECT_FALSE(glob_matches("src/*.h", "src/x/a.h"));   // '*' stays in one segment
    EXPECT_TRUE(glob_matches("src/**/*.h", "src/x/y/a.h"));
    EXPECT_TRUE(glob_matches("src/**/*.h", "src/a.h"));   // "**/" may match no directory
    EXPECT_TRUE(glob_matches("/src/*.h", "src/a.h"));
    EXPECT_FALSE(glob_matches("/src/*.h", "lib/src/a.h"));  // a leading '/' anchors at the base
}

TEST(AgentGlob, RegexCharactersAreLiteralAndBadClassesAreErrors) {
    EXPECT_TRUE(glob_matches("a+b(1).txt", "a+b(1).txt"));
    EXPECT_FALSE(glob_matches("a.txt", "abtxt"));
    std::string error;
    EXPECT_FALSE(GlobPattern::compile("[abc", &error).has_value());
    EXPECT_NE(error.find("unterminated"), std::string::npos);
    EXPECT_FALSE(GlobPattern::compile(std::string(2000, '*'), &error).has_value());
}

std::string edited(const std::string& content, const std::vector<TextEdit>& edits, std::string* error = nullptr) {
    std::string out = "<untouched>";
    const std::string why = apply_text_edits(content, edits, "f.txt", &out);
    if (error != nullptr) *error = why;
    return why.empty() ? out : "<error>";
}

TEST(AgentEdits, EditsMatchTheOriginalAndApplyTogether) {
    EXPECT_EQ(edited("one\ntwo\nthree\n", {{"two", "TWO"}, {"three", "3"}}), "one\nTWO\n3\n");
    // matched against the original, not one after another: "TWO" does not exist yet
    std::string error;
    EXPECT_EQ(edited("one\ntwo\n", {{"two", "TWO"}, {"TWO", "x"}}, &error), "<error>");
    EXPECT_NE(error.find("edits[1].old_text"), std::string::npos);
}

TEST(AgentEdits, UniqueNonEmptyAndDisjoint) {
    std::string error;
    edited("a a", {{"a", "b"}}, &error);
    EXPECT_NE(error.find("occurrences of edits[0].old_text in f.txt"), std::string::npos) << error;
    edited("abc", {{"", "b"}}, &error);
    EXPECT_EQ(error, "edits[0].old_text must not be empty");
    edited("abcdef", {{"abcd", "x"}, {"cde", "y"}}, &error);
    EXPECT_NE(error.find("edits[0] and edits[1] overlap"), std::string::npos) << error;
    edited("abc", {}, &error);
    EXPECT_EQ(error, "\"edits\" must be a non-empty array");
}

TEST(AgentEdits, TrailingWhitespaceIsForgivenLineByLine) {
    EXPECT_EQ(edited("alpha  \nbeta\n\tgamma\n", {{"alpha\nbeta", "AB"}}), "AB\n\tgamma\n");
    EXPECT_EQ(edited("alpha  \nbeta\n", {{"alpha\n", "A\n"}}), "A\nbeta\n");
    std::string error;
    edited("\tgamma\n", {{"  gamma", "G"}}, &error);  // leading whitespace must match
    EXPECT_NE(error.find("could not find"), std::string::npos);
}

TEST(AgentRuntime, ParsesEveryKindAndRefusesOddWords) {
    std::string error;
    EXPECT_EQ(parse_runtime("", &error)->kind, RuntimeSpec::Kind::host);
    auto image = parse_runtime("docker:alpine:3.20", &error);
    ASSERT_TRUE(image);
    EXPECT_EQ(image->kind, RuntimeSpec::Kind::image);
    EXPECT_EQ(image->target, "alpine:3.20");
    auto container = parse_runtime("podman-container:abc123", &error);
    ASSERT_TRUE(container);
    EXPECT_EQ(container->engine, "podman");
    EXPECT_EQ(parse_runtime("ssh:me@host", &error)->kind, RuntimeSpec::Kind::ssh);
    EXPECT_FALSE(parse_runtime("host", &error));
    EXPECT_FALSE(parse_runtime("docker-container:-rm", &error));       // would be read as an option
    EXPECT_FALSE(parse_runtime("docker-container:a;rm -rf /", &error)); // shell characters
    EXPECT_FALSE(parse_runtime("docker:", &error));
}

TEST(AgentRuntime, WrapsCommandsForContainersAndSsh) {
    std::string error;
    const auto container = *parse_runtime("docker-container:c1", &error);
    EXPECT_EQ(wrap_command(container, "c1", {"cat", "--", "a.txt"}, ""),
              (std::vector<std::string>{"docker", "exec", "-i", "c1", "cat", "--", "a.txt"}));
    const auto in_dir = wrap_command(container, "c1", {"pwd"}, "/w");
    EXPECT_EQ(in_dir.size(), 10u);
    EXPECT_EQ(in_dir[4], "sh");
    EXPECT_EQ(in_dir[8], "/w");  // the directory is an argument, never spliced into the script
    const auto ssh = wrap_command(*parse_runtime("ssh:me@h", &error), "", {"echo", "it's"}, "");
    EXPECT_EQ(ssh[7], "me@h");
    EXPECT_EQ(ssh.back(), "'echo' 'it'\\''s'");  // one quoted line for the remote shell
}

TEST(AgentMcpConfig, CursorFormat) {
    std::string error;
    auto servers = parse_mcp_servers(
        R"({"mcpServers": {"fs": {"command": "node", "args": ["s.js", "-v"], "env": {"K": "1"}, "timeout_ms": 500},
                           "nocmd": {"args": []}}})",
        "--mcp-servers-json", &error);
    ASSERT_TRUE(servers) << error;
    ASSERT_EQ(servers->size(), 1u);  // an entry without a command is skipped
    EXPECT_EQ((*servers)[0].argv, (std::vector<std::string>{"node", "s.js", "-v"}));
    EXPECT_EQ((*servers)[0].timeout.count(), 500);
    EXPECT_FALSE(parse_mcp_servers("nojson", "--mcp-servers-json", &error));
    EXPECT_NE(error.find("--mcp-servers-json"), std::string::npos);
    EXPECT_FALSE(parse_mcp_servers(R"({"mcpServers": {"a b": {"command": "x"}}})", "X", &error));
    EXPECT_FALSE(parse_mcp_servers(R"({"mcpServers": {"a": {"command": "x", "args": [1]}}})", "X", &error));
}

TEST(AgentMcpConfig, ResultTextJoinsTextParts) {
    bool is_error = false;
    EXPECT_EQ(mcp_result_text(json::parse(R"({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]})"),
                              &is_error),
              "a\nb");
    EXPECT_FALSE(is_error);
    mcp_result_text(json::parse(R"({"content": [], "isError": true})"), &is_error);
    EXPECT_TRUE(is_error);
}

TEST(AgentProcess, TimeoutKillsAndOutputIsCapped) {
    RunLimits limits;
    limits.timeout = std::chrono::milliseconds(300);
    SpawnSpec spec;
    spec.argv = {"sh", "-c", "echo before; sleep 30; echo after"};
    const RunResult slow = run_to_end(spec, "", limits);
    EXPECT_TRUE(slow.timed_out);
    EXPECT_EQ(slow.output, "before\n");
    limits.timeout = std::chrono::seconds(10);
    limits.max_output = 10;
    spec.argv = {"sh", "-c", "seq 1 100000"};
    const RunResult big = run_to_end(spec, "", limits);
    EXPECT_TRUE(big.truncated);
    EXPECT_EQ(big.output.size(), 10u);
    EXPECT_EQ(big.exit_code, 0);
    spec.argv = {"sh", "-c", "cat; exit 3"};
    const RunResult fed = run_to_end(spec, "from stdin", limits);
    EXPECT_EQ(fed.output, "from stdin");
    EXPECT_EQ(fed.exit_code, 3);
    spec.argv = {"no-such-command-here"};
    EXPECT_EQ(run_to_end(spec, "", limits).exit_code, 127);
}

TEST(AgentProcess, AReaderThatLeavesEndsTheCommand) {
    RunLimits limits;
    limits.timeout = std::chrono::seconds(60);
    SpawnSpec spec;
    spec.argv = {"sh", "-c", "echo a; sleep 60"};
    std::string seen;
    const RunResult r = run_to_end(spec, "", limits, [&](const std::string& piece) {
        seen += piece;
        return false;  // the client is gone
    });
    EXPECT_TRUE(r.abandoned);
    EXPECT_FALSE(r.timed_out);  // killed at once, not at its timeout
    EXPECT_EQ(seen, "a\n");
}

class AgentToolsOnHost : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("cria-agent-test-" + std::to_string(::getpid()));
        fs::create_directories(dir / "sub");
        fs::create_directories(dir / "node_modules");
        std::ofstream(dir / "a.txt") << "hello\nworld\nfoo bar\n";
        std::ofstream(dir / "sub" / "m.cpp") << "int main() {}\n";
        std::ofstream(dir / "node_modules" / "x.cpp") << "hello\n";
    }
    void TearDown() override { fs::remove_all(dir); }

    json call(json (*tool)(const ToolCall&), const json& params) {
        return tool(ToolCall{params, runtime, dir.string(), {}});
    }

    fs::path dir;
    HostRuntime runtime;
};

TEST_F(AgentToolsOnHost, ReadFileWholeAndByLines) {
    EXPECT_EQ(call(read_file_tool, {{"path", "a.txt"}})["plain_text_response"], "hello\nworld\nfoo bar\n");
    EXPECT_EQ(call(read_file_tool, {{"path", "a.txt"}, {"start_line", 2}, {"append_loc", true}})["plain_text_response"],
              "2→world\n3→foo bar\n");
    EXPECT_EQ(call(read_file_tool, {{"path", "missing"}})["error"], "cannot stat file: missing");
    EXPECT_NE(call(read_file_tool, {{"path", "sub"}})["error"].get<std::string>().find("not a regular file"), std::string::npos);
    std::ofstream(dir / "big.txt") << std::string(20000, 'x');
    EXPECT_NE(call(read_file_tool, {{"path", "big.txt"}})["error"].get<std::string>().find("file too large (20000 bytes"),
              std::string::npos);
    EXPECT_THROW(call(read_file_tool, {{"path", 5}}), cria::ApiError);
    EXPECT_THROW(call(read_file_tool, {{"path", std::string("a\0b", 3)}}), cria::ApiError);
}

TEST_F(AgentToolsOnHost, WriteThenEdit) {
    const json written = call(write_file_tool, {{"path", "new/dir/w.txt"}, {"content", "one\ntwo\n"}});
    EXPECT_EQ(written["bytes"], 8);
    const json result = call(edit_file_tool, {{"path", "new/dir/w.txt"}, {"edits", {{{"old_text", "two"}, {"new_text", "2"}}}}});
    EXPECT_EQ(result["edits_applied"], 1);
    std::ifstream in(dir / "new" / "dir" / "w.txt");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "one\n2\n");
    EXPECT_NE(call(edit_file_tool, {{"path", "new/dir/w.txt"}, {"edits", {{{"old_text", "zzz"}, {"new_text", "2"}}}}})["error"]
                  .get<std::string>()
                  .find("could not find"),
              std::string::npos);
    EXPECT_THROW(call(edit_file_tool, {{"path", "w"}, {"edits", json::array({1})}}), cria::ApiError);
}

TEST_F(AgentToolsOnHost, GlobSkipsJunkAndHonoursLimits) {
    const json all = call(file_glob_search_tool, {{"path", "."}});
    EXPECT_EQ(all["entries"].size(), 2u);  // node_modules is skipped
    EXPECT_NE(all["plain_text_response"].get<std::string>().find("Total matches: 2"), std::string::npos);
    const json cpp = call(file_glob_search_tool, {{"path", "."}, {"include", "*.cpp"}});
    ASSERT_EQ(cpp["entries"].size(), 1u);
    EXPECT_EQ(cpp["entries"][0]["path"], "sub/m.cpp");
    const json dirs = call(file_glob_search_tool, {{"path", "."}, {"type", "dir"}});
    EXPECT_EQ(dirs["plain_text_response"].get<std::string>().substr(0, 5), "sub/\n");
    const json one = call(file_glob_search_tool, {{"path", "."}, {"limit", 1}});
    EXPECT_EQ(one["entries"].size(), 1u);
    EXPECT_NE(one["plain_text_response"].get<std::string>().find("1 results limit reached (2 total"), std::string::npos);
    EXPECT_EQ(call(file_glob_search_tool, {{"path", "."}, {"limit", 0}})["error"], "invalid limit: 0 (expected 1 or more)");
    EXPECT_TRUE(call(file_glob_search_tool, {{"path", "nope"}}).contains("error"));
}

TEST_F(AgentToolsOnHost, GrepFindsLinesWithContextAndRejectsBadRegex) {
    EXPECT_EQ(call(grep_search_tool, {{"path", "."}, {"pattern", "o"}})["plain_text_response"],
              "a.txt:hello\na.txt:world\na.txt:foo bar\n\n---\nTotal matches: 3\n");
    EXPECT_EQ(call(grep_search_tool, {{"path", "a.txt"}, {"pattern", "WOR"}, {"ignore_case", true}, {"return_line_numbers", true}})
                  ["plain_text_response"],
              "a.txt:2:world\n\n---\nTotal matches: 1\n");
    EXPECT_EQ(call(grep_search_tool, {{"path", "."}, {"pattern", "() {"}, {"literal", true}})["plain_text_response"],
              "sub/m.cpp:int main() {}\n\n---\nTotal matches: 1\n");
    EXPECT_EQ(call(grep_search_tool, {{"path", "."}, {"pattern", "zzz"}})["plain_text_response"], "\n---\nTotal matches: 0\n");
    EXPECT_EQ(call(grep_search_tool, {{"path", "."}, {"pattern", "o"}, {"exclude", "*.txt"}})["plain_text_response"],
              "\n---\nTotal matches: 0\n");  // node_modules/x.cpp is skipped too
    EXPECT_NE(call(grep_search_tool, {{"path", "."}, {"pattern", "("}})["error"].get<std::string>().find("invalid regex"),
              std::string::npos);
    const std::string context =
        call(grep_search_tool, {{"path", "a.txt"}, {"pattern", "world"}, {"context_lines", 1}})["plain_text_response"];
    EXPECT_EQ(context, "a.txt-1-hello\na.txt:world\na.txt-3-foo bar\n--\n\n---\nTotal matches: 1\n");
}

TEST_F(AgentToolsOnHost, ShellCommandReportsExitCodeAndTimeout) {
    EXPECT_EQ(call(exec_shell_command_tool, {{"command", "echo hi; echo err >&2; exit 3"}})["plain_text_response"],
              "hi\nerr\n\n[exit code: 3]");
    EXPECT_EQ(call(exec_shell_command_tool, {{"command", "pwd"}})["plain_text_response"], dir.string() + "\n\n[exit code: 0]");
    const std::string slow = call(exec_shell_command_tool, {{"command", "echo a; sleep 20"}, {"timeout", 1}})["plain_text_response"];
    EXPECT_NE(slow.find("[exit due to timed out]"), std::string::npos) << slow;
    EXPECT_EQ(slow.substr(0, 2), "a\n");
    const std::string capped = call(exec_shell_command_tool, {{"command", "seq 1 10000"}, {"max_output_size", 20}})["plain_text_response"];
    EXPECT_EQ(capped, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n[output truncated]\n[exit code: 0]");
    const json info = call(get_info_tool, json::object());
    EXPECT_EQ(info["cwd"], dir.string());
    EXPECT_NE(info["os"].get<std::string>().find("Linux"), std::string::npos);
}

TEST(AgentPaths, ResolveAgainstTheCallsDirectory) {
    EXPECT_EQ(resolve_path("a.txt", "/w"), "/w/a.txt");
    EXPECT_EQ(resolve_path("../x/./a.txt", "/w/sub"), "/w/x/a.txt");
    EXPECT_EQ(resolve_path("/etc/hostname", "/w"), "/etc/hostname");
    EXPECT_EQ(resolve_path("a.txt", ""), "a.txt");
    EXPECT_EQ(resolve_path(".", "/w/"), "/w");
}

}  // namespace
