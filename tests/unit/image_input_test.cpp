// Images in requests before any model sees them: image_data, [img-N] references, chat image_url
// data URLs, base64, and the generation-request helpers that keep caches out of images.
#include "api/image_input.h"

#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/completion_request.h"
#include "api/openai_chat.h"

namespace cria {
namespace {

using json = nlohmann::json;

// Image files as short as their headers: the parsers read the header (the declared size), the
// projector the rest. kGif is a 1x1 GIF, kPng a 2x2 PNG (signature and IHDR chunk).
const std::string kGif("GIF89a\x01\x00\x01\x00\x00\x00\x00", 13);
const char* const kGifBase64 = "R0lGODlhAQABAAAAAA==";
const std::string kPngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91Jpz";

template <typename F>
ApiError error_of(F&& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "no error";
    return {};
}

TEST(Base64, DecodesWithAndWithoutPaddingAndSkipsWhitespace) {
    EXPECT_EQ(decode_base64("aGVsbG8="), "hello");
    EXPECT_EQ(decode_base64("aGVsbG8"), "hello");
    EXPECT_EQ(decode_base64("aGVs\nbG8=\n"), "hello");
    EXPECT_EQ(decode_base64(""), "");
    EXPECT_EQ(decode_base64("_-8="), std::string("\xff\xef", 2));  // the URL-safe alphabet
    EXPECT_EQ(decode_base64("/+8="), std::string("\xff\xef", 2));
}

TEST(Base64, RejectsWhatIsNotBase64) {
    EXPECT_FALSE(decode_base64("aGVsbG8*").has_value());
    EXPECT_FALSE(decode_base64("aGVs=bG8").has_value());  // data after padding
    EXPECT_FALSE(decode_base64("a").has_value());         // a lone character is no byte
}

TEST(ImageData, ParsesEntries) {
    const json body = {{"image_data", {{{"data", kPngBase64}, {"id", 12}}, {{"data", kGifBase64}, {"id", 3}}}}};
    const auto images = parse_image_data(body);
    ASSERT_EQ(images.size(), 2u);
    EXPECT_EQ(images[0].id, 12);
    EXPECT_EQ(images[0].bytes, *decode_base64(kPngBase64));
    EXPECT_EQ(images[0].field, "image_data");
    EXPECT_NE(images[0].description.find("id 12"), std::string::npos);
    EXPECT_EQ(images[1].bytes, kGif);
    // A data URL in place of bare base64 is accepted too.
    const json url_body = {{"image_data", {{{"data", std::string("data:image/gif;base64,") + kGifBase64}, {"id", 0}}}}};
    EXPECT_EQ(parse_image_data(url_body)[0].bytes, kGif);
    EXPECT_TRUE(parse_image_data(json::parse(R"({"image_data": []})")).empty());
    EXPECT_TRUE(parse_image_data(json::parse(R"({"image_data": null})")).empty());
    EXPECT_TRUE(parse_image_data(json::object()).empty());
}

TEST(ImageData, BadEntriesNameTheField) {
    for (const char* body : {
             R"({"image_data": "x"})",
             R"({"image_data": [5]})",
             R"({"image_data": [{"id": 1}]})",
             R"({"image_data": [{"data": "aGk=", "id": -1}]})",
             R"({"image_data": [{"data": "aGk=", "id": "1"}]})",
             R"({"image_data": [{"data": "a*b", "id": 1}]})",
             R"({"image_data": [{"data": "", "id": 1}]})",
             R"({"image_data": [{"data": "aGk=", "id": 1}, {"data": "aGk=", "id": 1}]})",
         }) {
        const ApiError e = error_of([&] { parse_image_data(json::parse(body)); });
        EXPECT_EQ(e.status, 400) << body;
        EXPECT_EQ(e.param, "image_data") << body;
        EXPECT_NE(e.message.find("image_data"), std::string::npos) << body;
    }
}

std::vector<ImageFile> images_with_ids(std::initializer_list<int64_t> ids) {
    std::vector<ImageFile> images;
    for (const int64_t id : ids) images.push_back({id, "bytes", "image_data", "image", false, {}});
    return images;
}

TEST(ImageReferences, SplitThePromptInOrder) {
    const auto parts = split_image_references("USER:[img-12]Describe [img-3] and [img-12].", images_with_ids({3, 12}), "prompt");
    ASSERT_EQ(parts.size(), 7u);
    EXPECT_EQ(parts[0].text, "USER:");
    EXPECT_EQ(parts[1].image, 1);  // id 12 is images[1]
    EXPECT_EQ(parts[2].text, "Describe ");
    EXPECT_EQ(parts[3].image, 0);
    EXPECT_EQ(parts[4].text, " and ");
    EXPECT_EQ(parts[5].image, 1);
    EXPECT_EQ(parts[6].text, ".");
    for (const auto& p : parts) EXPECT_TRUE(p.image >= 0 ? p.text.empty() : !p.text.empty());
}

TEST(ImageReferences, TextThatIsNoReferenceStaysText) {
    const auto parts = split_image_references("[img-] [img-x] [img-1 [IMG-1] [img-1]", images_with_ids({1}), "prompt");
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].text, "[img-] [img-x] [img-1 [IMG-1] ");
    EXPECT_EQ(parts[1].image, 0);
}

TEST(ImageReferences, UnknownOrUnusedImagesAreErrors) {
    ApiError e = error_of([] { split_image_references("look [img-7]", images_with_ids({1}), "prompt"); });
    EXPECT_EQ(e.param, "prompt");
    EXPECT_NE(e.message.find("[img-7]"), std::string::npos);
    e = error_of([] { split_image_references("look [img-1]", images_with_ids({1, 2}), "content"); });
    EXPECT_EQ(e.param, "image_data");
    EXPECT_NE(e.message.find("id 2"), std::string::npos);
}

TEST(ImageMarkers, SplitAndCount) {
    const std::string m = kImageMarker;
    const auto parts = split_image_markers("a" + m + "b" + m, 2, "messages");
    ASSERT_EQ(parts.size(), 4u);
    EXPECT_EQ(parts[0].text, "a");
    EXPECT_EQ(parts[1].image, 0);
    EXPECT_EQ(parts[2].text, "b");
    EXPECT_EQ(parts[3].image, 1);
    // A message that writes the marker itself makes the count wrong: refused, not misplaced.
    const ApiError e = error_of([&] { split_image_markers("a" + m + "b" + m, 1, "messages"); });
    EXPECT_EQ(e.param, "messages");
    EXPECT_NE(e.message.find(m), std::string::npos);
}

TEST(DataUrls, OnlyBase64DataUrls) {
    EXPECT_EQ(decode_data_url(std::string("data:image/gif;base64,") + kGifBase64, "f"), kGif);
    EXPECT_EQ(decode_data_url(std::string("data:;base64,") + kGifBase64, "f"), kGif);
    for (const char* url : {"https://example.invalid/cat.png", "data:image/png,rawbytes", "data:image/png;base64",
                            "data:image/png;base64,***", "data:image/png;base64,"}) {
        const ApiError e = error_of([&] { decode_data_url(url, "messages[0].content[1].image_url"); });
        EXPECT_EQ(e.param, "messages[0].content[1].image_url") << url;
        EXPECT_NE(e.message.find("messages[0].content[1].image_url"), std::string::npos) << url;
    }
}

TEST(ChatImages, ImagePartsLeaveMarkersAndNameTheirField) {
    json body = json::parse(R"({"messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "what is "},
                                     {"type": "image_url", "image_url": {"url": "GIF"}},
                                     {"type": "text", "text": " and "},
                                     {"type": "image_url", "image_url": "PNG"}]}]})");
    body["messages"][1]["content"][1]["image_url"]["url"] = std::string("data:image/gif;base64,") + kGifBase64;
    body["messages"][1]["content"][3]["image_url"] = "data:image/png;base64," + kPngBase64;
    const ChatRequest r = parse_chat_request(body, CompletionDefaults{});
    ASSERT_EQ(r.images.size(), 2u);
    EXPECT_EQ(r.messages[1]["content"], std::string("what is ") + kImageMarker + " and " + kImageMarker);
    EXPECT_EQ(r.images[0].bytes, kGif);
    EXPECT_EQ(r.images[0].field, "messages[1].content[1].image_url");
    EXPECT_EQ(r.images[1].bytes, *decode_base64(kPngBase64));
    EXPECT_EQ(r.images[1].field, "messages[1].content[3].image_url");
    const ApiError e = error_of([] {
        parse_chat_request(json::parse(R"({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x.invalid/a.png"}}]}]})"),
                           CompletionDefaults{});
    });
    EXPECT_EQ(e.param, "messages[0].content[0].image_url");
}

TEST(CompletionImages, OnlyWhereTheRouteTakesThem) {
    const json body = {{"prompt", "[img-1] hi"}, {"image_data", {{{"data", kGifBase64}, {"id", 1}}}}};
    const auto r = parse_completion_request(body, CompletionDefaults{}, {}, /*accept_image_data=*/true);
    ASSERT_EQ(r.images.size(), 1u);
    EXPECT_EQ(r.images[0].bytes, kGif);
    const ApiError e = error_of([&] { parse_completion_request(body, CompletionDefaults{}); });
    EXPECT_EQ(e.param, "image_data");
    // An empty image_data asks for nothing: accepted everywhere.
    EXPECT_NO_THROW(parse_completion_request(json::parse(R"({"prompt": "hi", "image_data": []})"), CompletionDefaults{}));
}

TEST(ImageHeaders, UnreadableOrTooManyPixelsIsA400NamingTheField) {
    // 20000 x 20000 declared in a valid PNG header: 400 million pixels, over the 32 Mi default.
    const std::string huge = "iVBORw0KGgoAAAANSUhEUgAATiAAAE4gCAIAAABsEtFu";
    ApiError e = error_of([&] { decode_data_url("data:image/png;base64," + huge, "messages[0].content[0].image_url"); });
    EXPECT_EQ(e.param, "messages[0].content[0].image_url");
    EXPECT_NE(e.message.find("20000 x 20000"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("--max-image-pixels"), std::string::npos) << e.message;
    e = error_of([&] { parse_image_data(json{{"image_data", {{{"data", huge}, {"id", 1}}}}}); });
    EXPECT_EQ(e.param, "image_data");
    EXPECT_NE(e.message.find("--max-image-pixels"), std::string::npos) << e.message;
    // Bytes that are no image we can read the header of ("hi"): refused before any decoder.
    e = error_of([&] { parse_image_data(json::parse(R"({"image_data": [{"data": "aGk=", "id": 1}]})")); });
    EXPECT_EQ(e.param, "image_data");
    e = error_of([&] { decode_data_url("data:image/png;base64,aGk=", "f"); });
    EXPECT_EQ(e.param, "f");
    // The budget is the limit's: 4 pixels pass a budget of 4, not one of 3.
    RequestLimits limits;
    limits.max_image_pixels = 4;
    EXPECT_EQ(parse_image_data(json{{"image_data", {{{"data", kPngBase64}, {"id", 1}}}}}, limits).size(), 1u);
    limits.max_image_pixels = 3;
    e = error_of([&] { parse_image_data(json{{"image_data", {{{"data", kPngBase64}, {"id", 1}}}}}, limits); });
    EXPECT_EQ(e.param, "image_data");
    const std::string png = *decode_base64(kPngBase64);
    EXPECT_NO_THROW(check_image_header(png, 4, "f"));
    EXPECT_EQ(error_of([&] { check_image_header(png, 3, "f"); }).param, "f");
}

TEST(PromptImages, CacheBoundariesNeverFallInsideAnImage) {
    std::vector<PromptImage> images(2);
    images[0].position = 3;
    images[0].n_positions = 4;  // 3..6
    images[1].position = 7;
    images[1].n_positions = 2;  // 7..8
    EXPECT_EQ(image_boundary_at_or_before(images, 0), 0u);
    EXPECT_EQ(image_boundary_at_or_before(images, 3), 3u);
    EXPECT_EQ(image_boundary_at_or_before(images, 4), 3u);
    EXPECT_EQ(image_boundary_at_or_before(images, 6), 3u);
    EXPECT_EQ(image_boundary_at_or_before(images, 7), 7u);
    EXPECT_EQ(image_boundary_at_or_before(images, 8), 7u);
    EXPECT_EQ(image_boundary_at_or_before(images, 9), 9u);
    GenerationRequest g;
    g.prompt.assign(12, 1);
    g.images = images;
    EXPECT_EQ(next_image_start(g, 0), 3u);
    EXPECT_EQ(next_image_start(g, 3), 3u);
    EXPECT_EQ(next_image_start(g, 4), 7u);
    EXPECT_EQ(next_image_start(g, 9), 12u);
    EXPECT_TRUE(is_image_position(-1));
    EXPECT_FALSE(is_image_position(0));
}

}  // namespace
}  // namespace cria
