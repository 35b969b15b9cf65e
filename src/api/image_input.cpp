#include "api/image_input.h"

#include <set>

#include "api/api_error.h"
#include "api/image_header.h"
#include "api/json_fields.h"

namespace cria {

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// "[img-" digits "]" at text[at]: the id and the reference's length, or nullopt.
std::optional<std::pair<int64_t, size_t>> reference_at(const std::string& text, size_t at) {
    static const std::string open = "[img-";
    if (text.compare(at, open.size(), open) != 0) return std::nullopt;
    size_t i = at + open.size();
    int64_t id = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 18) {
        id = id * 10 + (text[i] - '0');
        ++i;
        ++digits;
    }
    if (digits == 0 || i >= text.size() || text[i] != ']') return std::nullopt;
    return std::make_pair(id, i + 1 - at);
}

}  // namespace

std::optional<std::string> decode_base64(const std::string& text) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 3);
    uint32_t acc = 0;
    int bits = 0;
    size_t i = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (is_space(c)) continue;
        if (c == '=') break;
        const int v = base64_value(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    for (; i < text.size(); ++i) {  // only padding and whitespace may follow the first '='
        if (text[i] != '=' && !is_space(text[i])) return std::nullopt;
    }
    if (bits >= 6) return std::nullopt;  // a lone trailing character encodes no whole byte
    return out;
}

void check_media_size(size_t decoded_size, int32_t max_bytes, const std::string& field, const char* what,
                      const char* option) {
    if (max_bytes >= 0 && decoded_size <= static_cast<size_t>(max_bytes)) return;
    throw invalid_request("'" + field + "' holds " + what + " of " + std::to_string(decoded_size) + " bytes; at most " +
                              std::to_string(max_bytes) + " bytes are accepted (" + option + ")",
                          field);
}

void check_image_size(size_t decoded_size, int32_t max_bytes, const std::string& field) {
    check_media_size(decoded_size, max_bytes, field, "an image", "--max-image-size");
}

void check_image_header(const std::string& bytes, int32_t max_pixels, const std::string& field) {
    const auto header = read_image_header(bytes);
    if (!header) {
        throw invalid_request("'" + field + "' does not hold a PNG, JPEG, GIF or BMP image whose header can be read " +
                                  "(the file is cut short, malformed, or of another format)",
                              field);
    }
    if (max_pixels >= 0 && header->pixels() <= static_cast<uint64_t>(max_pixels)) return;
    throw invalid_request("'" + field + "' holds a " + header->format + " image of " + std::to_string(header->width) +
                              " x " + std::to_string(header->height) + " pixels; at most " + std::to_string(max_pixels) +
                              " pixels are accepted (--max-image-pixels)",
                          field);
}

std::string data_url_bytes(const std::string& url, const std::string& field, const char* example) {
    static const std::string scheme = "data:";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        throw invalid_request("'" + field + "' must be a data URL (" + example + "): this server does not fetch " +
                                  "media from the network",
                              field);
    }
    const size_t comma = url.find(',');
    const std::string header = url.substr(scheme.size(), comma == std::string::npos ? 0 : comma - scheme.size());
    const std::string base64_flag = ";base64";
    const bool is_base64 = header.size() >= base64_flag.size() &&
                           header.compare(header.size() - base64_flag.size(), base64_flag.size(), base64_flag) == 0;
    if (comma == std::string::npos || !is_base64) {
        throw invalid_request("'" + field + "' must be a base64 data URL (" + example + ")", field);
    }
    auto bytes = decode_base64(url.substr(comma + 1));
    if (!bytes || bytes->empty()) throw invalid_request("'" + field + "' holds invalid or empty base64 data", field);
    return std::move(*bytes);
}

std::string decode_data_url(const std::string& url, const std::string& field, int32_t max_bytes, int32_t max_pixels) {
    std::string bytes = data_url_bytes(url, field);
    check_image_size(bytes.size(), max_bytes, field);
    check_image_header(bytes, max_pixels, field);
    return bytes;
}

std::vector<ImageFile> parse_image_data(const nlohmann::json& body, const RequestLimits& limits) {
    std::vector<ImageFile> images;
    if (!has_field(body, "image_data")) return images;
    const auto& list = body.at("image_data");
    const char* shape = "'image_data' must be an array of {\"data\": \"<base64>\", \"id\": <integer>} objects";
    if (!list.is_array()) throw invalid_request(shape, "image_data");
    check_limit(list.size(), limits.max_images, "image_data", "images", "--max-images");
    std::set<int64_t> ids;
    for (size_t i = 0; i < list.size(); ++i) {
        const auto& entry = list[i];
        const std::string where = "image_data[" + std::to_string(i) + "]";
        if (!entry.is_object()) throw invalid_request(shape, "image_data");
        const auto data = entry.find("data");
        const auto id = entry.find("id");
        if (data == entry.end() || !data->is_string()) {
            throw invalid_request("'" + where + ".data' must be a base64 string (in 'image_data')", "image_data");
        }
        if (id == entry.end() || !id->is_number_integer() || id->get<int64_t>() < 0) {
            throw invalid_request("'" + where + ".id' must be a non-negative integer (in 'image_data')", "image_data");
        }
        ImageFile image;
        image.id = id->get<int64_t>();
        image.field = "image_data";
        image.description = "the image with id " + std::to_string(image.id) + " in 'image_data'";
        if (!ids.insert(image.id).second) {
            throw invalid_request("'image_data' has two images with id " + std::to_string(image.id), "image_data");
        }
        const std::string& text = data->get_ref<const std::string&>();
        if (text.compare(0, 5, "data:") == 0) {
            // a data URL is accepted too
            image.bytes = decode_data_url(text, "image_data", limits.max_image_bytes, limits.max_image_pixels);
        } else {
            auto bytes = decode_base64(text);
            if (!bytes || bytes->empty()) {
                throw invalid_request("'" + where + ".data' is not valid base64 (in 'image_data')", "image_data");
            }
            check_image_size(bytes->size(), limits.max_image_bytes, "image_data");
            check_image_header(*bytes, limits.max_image_pixels, "image_data");
            image.bytes = std::move(*bytes);
        }
        images.push_back(std::move(image));
    }
    return images;
}

std::vector<MediaPromptPart> split_image_references(const std::string& prompt, const std::vector<ImageFile>& images,
                                                    const char* prompt_field) {
    std::vector<MediaPromptPart> parts;
    std::vector<bool> used(images.size(), false);
    std::string text;
    for (size_t at = 0; at < prompt.size();) {
        const auto reference = prompt[at] == '[' ? reference_at(prompt, at) : std::nullopt;
        if (!reference) {
            text.push_back(prompt[at++]);
            continue;
        }
        int32_t index = -1;
        for (size_t i = 0; i < images.size(); ++i) {
            if (images[i].id == reference->first) index = static_cast<int32_t>(i);
        }
        if (index < 0) {
            throw invalid_request(std::string("'") + prompt_field + "' refers to [img-" + std::to_string(reference->first) +
                                      "], but 'image_data' has no image with id " + std::to_string(reference->first),
                                  prompt_field);
        }
        if (!text.empty()) parts.push_back({std::move(text), -1});
        text.clear();
        parts.push_back({std::string(), index});
        used[static_cast<size_t>(index)] = true;
        at += reference->second;
    }
    if (!text.empty()) parts.push_back({std::move(text), -1});
    for (size_t i = 0; i < images.size(); ++i) {
        if (!used[i]) {
            throw invalid_request("'image_data' has an image with id " + std::to_string(images[i].id) + " that '" +
                                      prompt_field + "' never refers to (place it with [img-" +
                                      std::to_string(images[i].id) + "])",
                                  "image_data");
        }
    }
    return parts;
}

std::vector<MediaPromptPart> split_image_markers(const std::string& text, size_t n_images, const char* field) {
    const std::string marker = kImageMarker;
    std::vector<MediaPromptPart> parts;
    size_t n_markers = 0;
    size_t from = 0;
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, from)) {
        if (at > from) parts.push_back({text.substr(from, at - from), -1});
        parts.push_back({std::string(), static_cast<int32_t>(n_markers++)});
        from = at + marker.size();
    }
    if (from < text.size()) parts.push_back({text.substr(from), -1});
    if (n_markers != n_images) {
        throw invalid_request(std::string("'") + field + "' has " + std::to_string(n_images) + " image(s), but the prompt " +
                                  "holds " + std::to_string(n_markers) + " image marker(s) '" + marker +
                                  "': message text must not contain the marker, and the chat template must keep every "
                                  "image part",
                              field);
    }
    return parts;
}

}  // namespace cria
