#include "api/json_fields.h"

#include <cmath>

namespace cria {

size_t json_nesting_depth(std::string_view text, size_t stop_above) {
    size_t depth = 0;
    size_t deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;  // the escaped character, whatever it is, cannot end the string
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) deepest = depth;
            if (deepest > stop_above) return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

void check_json_depth(std::string_view body, size_t max_depth) {
    if (json_nesting_depth(body, max_depth) > max_depth) {
        throw invalid_request("the JSON body nests deeper than " + std::to_string(max_depth) +
                              " levels of arrays and objects (see --max-json-depth)");
    }
}

json parse_json_value(const std::string& body) {
    try {
        return json::parse(body);
    } catch (const json::parse_error& e) {
        throw invalid_request(std::string("request body is not valid JSON: ") + e.what());
    } catch (const json::out_of_range& e) {  // a number beyond double's range, e.g. 1e999
        throw invalid_request(std::string("request body holds a number out of range: ") + e.what());
    }
}

json parse_json_object(const std::string& body) {
    json parsed = parse_json_value(body);
    if (!parsed.is_object()) throw invalid_request("request body must be a JSON object");
    return parsed;
}

bool has_field(const json& object, const char* name) {
    const auto it = object.find(name);
    return it != object.end() && !it->is_null();
}

namespace {
std::string describe_range(double min, double max) {
    auto fmt = [](double v) {
        if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
        std::string s = std::to_string(v);
        s.erase(s.find_last_not_of('0') + 1);
        return s;
    };
    return "[" + fmt(min) + ", " + fmt(max) + "]";
}
}  // namespace

int64_t read_int(const json& object, const char* name, int64_t fallback, int64_t min, int64_t max) {
    if (!has_field(object, name)) return fallback;
    const json& v = object.at(name);
    int64_t value = 0;
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
            throw invalid_request(std::string("'") + name + "' must be in " +
                                      describe_range(static_cast<double>(min), static_cast<double>(max)),
                                  name);
        }
        value = v.get<int64_t>();
    } else if (v.is_number_float() && std::isfinite(v.get<double>()) && v.get<double>() == std::floor(v.get<double>()) &&
               std::fabs(v.get<double>()) < 9e18) {
        value = static_cast<int64_t>(v.get<double>());  // 5.0 is accepted as 5
    } else {
        throw invalid_request(std::string("'") + name + "' must be an integer", name);
    }
    if (value < min || value > max) {
        throw invalid_request(std::string("'") + name + "' must be in " +
                                  describe_range(static_cast<double>(min), static_cast<double>(max)) + ", got " +
                                  std::to_string(value),
                              name);
    }
    return value;
}

double read_number(const json& object, const char* name, double fallback, double min, double max) {
    if (!has_field(object, name)) return fallback;
    const json& v = object.at(name);
    if (!v.is_number()) throw invalid_request(std::string("'") + name + "' must be a number", name);
    const double value = v.get<double>();
    if (!std::isfinite(value) || value < min || value > max) {
        throw invalid_request(std::string("'") + name + "' must be in " + describe_range(min, max), name);
    }
    return value;
}

bool read_bool(const json& object, const char* name, bool fallback) {
    if (!has_field(object, name)) return fallback;
    const json& v = object.at(name);
    if (!v.is_boolean()) throw invalid_request(std::string("'") + name + "' must be a boolean", name);
    return v.get<bool>();
}

std::string read_string(const json& object, const char* name, const std::string& fallback) {
    if (!has_field(object, name)) return fallback;
    const json& v = object.at(name);
    if (!v.is_string()) throw invalid_request(std::string("'") + name + "' must be a string", name);
    return v.get<std::string>();
}

std::vector<std::string> read_string_list(const json& object, const char* name) {
    if (!has_field(object, name)) return {};
    const json& v = object.at(name);
    if (v.is_string()) return {v.get<std::string>()};
    if (!v.is_array()) throw invalid_request(std::string("'") + name + "' must be a string or an array of strings", name);
    std::vector<std::string> out;
    for (const auto& item : v) {
        if (!item.is_string()) throw invalid_request(std::string("'") + name + "' must contain only strings", name);
        out.push_back(item.get<std::string>());
    }
    return out;
}

}  // namespace cria
