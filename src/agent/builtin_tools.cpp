#include "agent/builtin_tools.h"

#include "api/api_error.h"

namespace cria::agent {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

ordered_json property(const char* type, const char* description) { return {{"type", type}, {"description", description}}; }

ordered_json object_schema(ordered_json properties, std::vector<std::string> required) {
    ordered_json schema = {{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) schema["required"] = std::move(required);
    return schema;
}

BuiltinTool read_file() {
    return {"read_file", "Read file", false, false,
            "Return a file's text, or the lines from start_line to end_line (1-based, inclusive). With append_loc, "
            "each line starts with its number and \"→\". A whole file is read only up to 16 KiB: read larger files "
            "by line range.",
            object_schema({{"path", property("string", "The file to read")},
                           {"start_line", property("integer", "First line, 1-based (default 1)")},
                           {"end_line", property("integer", "Last line, inclusive (default: the last)")},
                           {"append_loc", property("boolean", "Start each line with its number")}},
                          {"path"}),
            read_file_tool};
}

BuiltinTool file_glob_search() {
    return {"file_glob_search", "File search", false, false,
            "List the files under a directory whose path matches a glob pattern. A pattern without '/' (\"*.cpp\") "
            "matches file names at any depth; one with '/' matches the path from the directory (\"src/**/*.h\"), "
            "anchored at it with a leading '/'. Files git ignores and directories such as .git, node_modules and "
            "build are skipped. type \"dir\" or \"all\" lists directories too (their names end in '/').",
            object_schema({{"path", property("string", "The directory to search")},
                           {"include", property("string", "Glob pattern of the files to list (default **)")},
                           {"exclude", property("string", "Glob pattern of files to leave out")},
                           {"type", property("string", "\"file\" (default), \"dir\" or \"all\"")},
                           {"max_depth", property("integer", "How deep to go (0 = no limit, the default; 1 = the directory's own entries)")},
                           {"limit", property("integer", "Most results, at most 100 (default 100)")}},
                          {"path"}),
            file_glob_search_tool};
}

BuiltinTool grep_search() {
    return {"grep_search", "Grep search", false, false,
            "Find the lines that match a pattern (a POSIX extended regular expression, or plain text with literal) "
            "in a file or in the files under a directory, with their paths relative to it. include/exclude filter "
            "files by glob as in file_glob_search; files git ignores, binary files and junk directories are skipped.",
            object_schema({{"path", property("string", "The file or directory to search")},
                           {"pattern", property("string", "What to find: a regular expression unless literal is true")},
                           {"include", property("string", "Glob pattern of the files to search (default **)")},
                           {"exclude", property("string", "Glob pattern of files to leave out")},
                           {"return_line_numbers", property("boolean", "Give each line's number")},
                           {"literal", property("boolean", "Take the pattern as plain text (default false)")},
                           {"ignore_case", property("boolean", "Ignore letter case (default false)")},
                           {"context_lines", property("integer", "Lines to show before and after each match (default 0)")}},
                          {"path", "pattern"}),
            grep_search_tool};
}

BuiltinTool exec_shell_command() {
    return {"exec_shell_command", "Execute shell command", true, true,
            "Run a command with sh -c and return what it printed (stdout and stderr together) and its exit code.",
            object_schema({{"command", property("string", "The shell command")},
                           {"timeout", property("integer", "Seconds it may run (default 10, at most 60)")},
                           {"max_output_size", property("integer", "Most bytes of output returned (default 16384)")}},
                          {"command"}),
            exec_shell_command_tool};
}

BuiltinTool write_file() {
    return {"write_file", "Write file", true, false,
            "Write a file's whole content, creating it and its directories if needed (edit_file changes a part).",
            object_schema({{"path", property("string", "The file to write")}, {"content", property("string", "Its new content")}},
                          {"path", "content"}),
            write_file_tool};
}

BuiltinTool edit_file() {
    ordered_json edit = object_schema({{"old_text", property("string", "Text of the file to replace: exactly as it is, found once, "
                                                                "not overlapping another edit")},
                               {"new_text", property("string", "What replaces it")}},
                              {"old_text", "new_text"});
    return {"edit_file", "Edit file", true, false,
            "Replace parts of a file. Every edits[].old_text must occur once in the file as it is now (edits do not "
            "see each other's changes) and edits must not overlap: merge close changes into one. write_file "
            "replaces a whole file.",
            object_schema({{"path", property("string", "The file to edit")},
                           {"edits", {{"type", "array"}, {"description", "The replacements"}, {"items", edit}}}},
                          {"path", "edits"}),
            edit_file_tool};
}

BuiltinTool get_info() {
    return {"get_info", "Get Runtime Info", false, false,
            "Tell where the tools run: the operating system (uname -a) and the working directory.",
            object_schema(ordered_json::object(), {}), get_info_tool};
}

}  // namespace

const std::vector<BuiltinTool>& builtin_tools() {
    static const std::vector<BuiltinTool> tools = {read_file(),  file_glob_search(), grep_search(), exec_shell_command(),
                                                   write_file(), edit_file(),        get_info()};
    return tools;
}

const BuiltinTool* find_builtin_tool(const std::string& name) {
    for (const auto& tool : builtin_tools()) {
        if (tool.name == name) return &tool;
    }
    return nullptr;
}

std::string read_path_param(const json& params, const char* name) {
    const auto it = params.find(name);
    if (it == params.end() || !it->is_string()) throw invalid_request(std::string("'") + name + "' must be a string", name);
    const std::string path = it->get<std::string>();
    if (path.empty() || path.size() > tool_limits::kMaxPathBytes || path.find('\0') != std::string::npos) {
        throw invalid_request(std::string("'") + name + "' must be a path of 1 to " +
                                  std::to_string(tool_limits::kMaxPathBytes) + " bytes without NUL",
                              name);
    }
    return path;
}

json tool_failure(const std::string& message) { return {{"error", message}}; }

}  // namespace cria::agent
