// read_file, write_file and edit_file.
#include "agent/builtin_tools.h"

#include <limits>

#include "agent/text_edits.h"
#include "agent/tool_files.h"
#include "api/json_fields.h"

namespace cria::agent {

using nlohmann::json;
namespace limits = tool_limits;

namespace {

// Lines first..last (1-based, inclusive; last 0 = to the end), each prefixed "N→" with numbers.
std::string select_lines(const std::string& text, int64_t first, int64_t last, bool numbers, bool* cut) {
    std::string out;
    int64_t number = 1;
    size_t begin = 0;
    while (begin < text.size() && (last == 0 || number <= last)) {
        const size_t newline = text.find('\n', begin);
        const size_t end = newline == std::string::npos ? text.size() : newline + 1;
        if (number >= first) {
            if (out.size() >= limits::kMaxReadOutput) {
                *cut = true;
                break;
            }
            if (numbers) out += std::to_string(number) + "→";
            out.append(text, begin, end - begin);
        }
        begin = end;
        ++number;
    }
    return out;
}

}  // namespace

json read_file_tool(const ToolCall& call) {
    const std::string path = read_path_param(call.params);
    const int64_t first = read_int(call.params, "start_line", 1, 0, std::numeric_limits<int32_t>::max());
    const int64_t last = read_int(call.params, "end_line", 0, 0, std::numeric_limits<int32_t>::max());
    const bool numbers = read_bool(call.params, "append_loc", false);
    const bool ranged = has_field(call.params, "start_line") || has_field(call.params, "end_line");
    auto files = make_tool_files(call.runtime, call.cwd);
    const size_t max_bytes = ranged ? limits::kMaxRangedFile : limits::kMaxWholeRead;
    const FileRead file = files->read(path, max_bytes);
    if (!file.error.empty()) return tool_failure(file.error);
    if (file.too_large) {
        return tool_failure("file too large (" + std::to_string(file.size) + " bytes, max " + std::to_string(max_bytes) +
                            "). Use start_line/end_line to read a portion.");
    }
    if (!ranged && !numbers) return {{"plain_text_response", file.content}};
    bool cut = false;
    std::string text = select_lines(file.content, std::max<int64_t>(first, 1), last, numbers, &cut);
    if (cut) text += "\n[output truncated at " + std::to_string(limits::kMaxReadOutput) + " bytes]\n";
    return {{"plain_text_response", text}};
}

json write_file_tool(const ToolCall& call) {
    const std::string path = read_path_param(call.params);
    const std::string content = read_string(call.params, "content", "");
    if (!has_field(call.params, "content")) throw invalid_request("'content' must be a string", "content");
    if (content.size() > limits::kMaxWriteBytes) {
        throw invalid_request("'content' is larger than " + std::to_string(limits::kMaxWriteBytes) + " bytes", "content");
    }
    auto files = make_tool_files(call.runtime, call.cwd);
    if (std::string error = files->write(path, content); !error.empty()) return tool_failure(error);
    return {{"result", "file written successfully"}, {"path", path}, {"bytes", content.size()}};
}

namespace {

std::vector<TextEdit> read_edits(const json& params) {
    const auto it = params.find("edits");
    if (it == params.end() || !it->is_array()) throw invalid_request("'edits' must be an array", "edits");
    if (it->size() > limits::kMaxEdits) {
        throw invalid_request("'edits' has more than " + std::to_string(limits::kMaxEdits) + " entries", "edits");
    }
    std::vector<TextEdit> edits;
    for (size_t i = 0; i < it->size(); ++i) {
        const json& edit = (*it)[i];
        const std::string field = "edits[" + std::to_string(i) + "]";
        if (!edit.is_object() || !edit.contains("old_text") || !edit["old_text"].is_string() ||
            !edit.contains("new_text") || !edit["new_text"].is_string()) {
            throw invalid_request(field + " must be an object with the strings old_text and new_text", field);
        }
        edits.push_back({edit["old_text"].get<std::string>(), edit["new_text"].get<std::string>()});
    }
    return edits;
}

}  // namespace

json edit_file_tool(const ToolCall& call) {
    const std::string path = read_path_param(call.params);
    const std::vector<TextEdit> edits = read_edits(call.params);
    auto files = make_tool_files(call.runtime, call.cwd);
    const FileRead file = files->read(path, limits::kMaxRangedFile);
    if (!file.error.empty()) return tool_failure("failed to open file: " + path);
    if (file.too_large) return tool_failure("file too large to edit (" + std::to_string(file.size) + " bytes)");
    std::string edited;
    if (std::string error = apply_text_edits(file.content, edits, path, &edited); !error.empty()) return tool_failure(error);
    if (edited.size() > limits::kMaxWriteBytes) return tool_failure("the edited file would be too large");
    if (std::string error = files->write(path, edited); !error.empty()) return tool_failure(error);
    return {{"result", "file edited successfully"}, {"path", path}, {"edits_applied", edits.size()}};
}

}  // namespace cria::agent
