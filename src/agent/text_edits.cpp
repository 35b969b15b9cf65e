#include "agent/text_edits.h"

#include <algorithm>

namespace cria::agent {

namespace {

struct Span {
    size_t begin = 0;
    size_t end = 0;
    size_t edit = 0;
};

std::string trim_right(const std::string& line) {
    size_t end = line.size();
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r')) --end;
    return line.substr(0, end);
}

struct Line {
    size_t begin = 0;
    size_t end = 0;  // before its '\n'
};

std::vector<Line> lines_of(const std::string& text) {
    std::vector<Line> lines;
    size_t begin = 0;
    while (begin <= text.size()) {
        const size_t newline = text.find('\n', begin);
        const size_t end = newline == std::string::npos ? text.size() : newline;
        lines.push_back({begin, end});
        if (newline == std::string::npos) break;
        begin = newline + 1;
    }
    return lines;
}

// Where old_text occurs as whole lines compared without trailing whitespace: the spans found.
std::vector<Span> loose_matches(const std::string& content, const std::string& old_text) {
    std::string wanted_text = old_text;
    const bool with_newline = !wanted_text.empty() && wanted_text.back() == '\n';
    if (with_newline) wanted_text.pop_back();
    std::vector<std::string> wanted;
    for (const Line& l : lines_of(wanted_text)) wanted.push_back(trim_right(wanted_text.substr(l.begin, l.end - l.begin)));
    const std::vector<Line> lines = lines_of(content);
    std::vector<Span> found;
    for (size_t first = 0; first + wanted.size() <= lines.size(); ++first) {
        bool same = true;
        for (size_t k = 0; k < wanted.size() && same; ++k) {
            const Line& l = lines[first + k];
            same = trim_right(content.substr(l.begin, l.end - l.begin)) == wanted[k];
        }
        if (!same) continue;
        const Line& last = lines[first + wanted.size() - 1];
        size_t end = last.end;
        if (with_newline) {
            if (end >= content.size()) continue;  // old_text ends a line the file does not end
            ++end;
        }
        found.push_back({lines[first].begin, end, 0});
    }
    return found;
}

std::vector<Span> exact_matches(const std::string& content, const std::string& old_text) {
    std::vector<Span> found;
    for (size_t at = content.find(old_text); at != std::string::npos && found.size() < 2; at = content.find(old_text, at + 1)) {
        found.push_back({at, at + old_text.size(), 0});
    }
    return found;
}

}  // namespace

std::string apply_text_edits(const std::string& content, const std::vector<TextEdit>& edits, const std::string& path,
                             std::string* result) {
    if (edits.empty()) return "\"edits\" must be a non-empty array";
    std::vector<Span> spans;
    for (size_t i = 0; i < edits.size(); ++i) {
        const std::string index = std::to_string(i);
        if (edits[i].old_text.empty()) return "edits[" + index + "].old_text must not be empty";
        std::vector<Span> found = exact_matches(content, edits[i].old_text);
        if (found.empty()) found = loose_matches(content, edits[i].old_text);
        if (found.empty()) {
            return "could not find edits[" + index + "].old_text in " + path +
                   ", it must match the file's current content exactly";
        }
        if (found.size() > 1) {
            return "found several occurrences of edits[" + index + "].old_text in " + path + ", it must be unique";
        }
        found[0].edit = i;
        spans.push_back(found[0]);
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    for (size_t k = 1; k < spans.size(); ++k) {
        if (spans[k].begin < spans[k - 1].end) {
            const size_t a = std::min(spans[k - 1].edit, spans[k].edit);
            const size_t b = std::max(spans[k - 1].edit, spans[k].edit);
            return "edits[" + std::to_string(a) + "] and edits[" + std::to_string(b) + "] overlap in " + path +
                   "; merge them into one edit or target disjoint regions";
        }
    }
    std::string out;
    size_t at = 0;
    for (const Span& span : spans) {
        out.append(content, at, span.begin - at);
        out += edits[span.edit].new_text;
        at = span.end;
    }
    out.append(content, at, std::string::npos);
    *result = std::move(out);
    return "";
}

}  // namespace cria::agent
