#include "api/ollama_template.h"

#include <vector>

#include "api/api_error.h"

namespace cria {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string trimmed(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && is_space(s[b])) ++b;
    while (e > b && is_space(s[e - 1])) --e;
    return s.substr(b, e - b);
}

ApiError template_error(const std::string& what) {
    return invalid_request("'template': " + what + " (supported: {{ .System }}, {{ .Prompt }}, {{ .Response }}, " +
                               "{{ if .X }}, {{ else }}, {{ end }})",
                           "template");
}

class Renderer {
public:
    Renderer(const std::string& system, const std::string& prompt, size_t max_output)
        : system_(system), prompt_(prompt), max_output_(max_output) {}

    void text(std::string literal) {
        if (trim_next_) {
            size_t b = 0;
            while (b < literal.size() && is_space(literal[b])) ++b;
            literal.erase(0, b);
            trim_next_ = false;
        }
        pending_ += literal;
    }

    // One {{ action }}, its trim markers already taken off.
    void action(const std::string& body, bool trim_left, bool trim_right) {
        if (trim_left) {
            while (!pending_.empty() && is_space(pending_.back())) pending_.pop_back();
        }
        flush();
        trim_next_ = trim_right;
        if (body == "end") {
            if (active_.empty()) throw template_error("{{ end }} without {{ if }}");
            if (!active_.back()) --not_taken_;
            active_.pop_back();
        } else if (body == "else") {
            if (active_.empty()) throw template_error("{{ else }} without {{ if }}");
            not_taken_ += active_.back() ? 1 : -1;
            active_.back() = !active_.back();
        } else if (body.compare(0, 3, "if ") == 0) {
            active_.push_back(!value(trimmed(body.substr(3))).empty());
            if (!active_.back()) ++not_taken_;
        } else if (enabled()) {
            append(value(body));
        } else {
            value(body);  // still checked
        }
    }

    std::string finish() {
        if (!active_.empty()) throw template_error("{{ if }} without {{ end }}");
        flush();
        return out_;
    }

private:
    std::string value(const std::string& name) const {
        if (name == ".System") return system_;
        if (name == ".Prompt") return prompt_;
        if (name == ".Response") return "";
        throw template_error("cannot render {{ " + name + " }}");
    }
    // Counted, not looked up: a template of a million nested ifs must not cost a million squared.
    bool enabled() const { return not_taken_ == 0; }
    void append(const std::string& text) {
        if (text.size() > max_output_ - out_.size()) {
            throw template_error("the rendered text would be longer than " + std::to_string(max_output_) + " bytes");
        }
        out_ += text;
    }
    void flush() {
        if (enabled()) append(pending_);
        pending_.clear();
    }

    const std::string& system_;
    const std::string& prompt_;
    const size_t max_output_;
    std::vector<bool> active_;  // one per open {{ if }}: whether its branch is taken
    size_t not_taken_ = 0;      // entries of active_ that are false: text shows only at 0
    std::string pending_;       // literal text since the last action (an action's {{- trims it)
    std::string out_;
    bool trim_next_ = false;
};

}  // namespace

std::string render_ollama_template(const std::string& tmpl, const std::string& system, const std::string& prompt,
                                   size_t max_output) {
    Renderer r(system, prompt, max_output);
    size_t at = 0;
    while (at < tmpl.size()) {
        const size_t open = tmpl.find("{{", at);
        if (open == std::string::npos) {
            r.text(tmpl.substr(at));
            break;
        }
        r.text(tmpl.substr(at, open - at));
        const size_t close = tmpl.find("}}", open + 2);
        if (close == std::string::npos) throw template_error("an action is not closed with }}");
        std::string body = tmpl.substr(open + 2, close - open - 2);
        const bool trim_left = body.size() >= 2 && body[0] == '-' && is_space(body[1]);
        const bool trim_right = body.size() >= 2 && body.back() == '-' && is_space(body[body.size() - 2]);
        if (trim_left) body.erase(0, 1);
        if (trim_right) body.pop_back();
        r.action(trimmed(body), trim_left, trim_right);
        at = close + 2;
    }
    return r.finish();
}

}  // namespace cria
