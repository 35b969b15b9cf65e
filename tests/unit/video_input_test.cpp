// Videos in chat requests before any model or ffmpeg sees them (api/video_input.h,
// api/chat_media_part.h): the container check by first bytes, data URLs of video types, the chat
// parts, which of image or video a file is, and their limits.
#include "api/video_input.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/api_error.h"
#include "api/chat_media_part.h"
#include "api/image_input.h"
#include "api/openai_chat.h"
#include "api/request_defaults.h"
#include "api_error_of.h"

namespace cria {
namespace {

using nlohmann::json;

// The first bytes of each container, as ffmpeg writes them (what video_container() reads).
const std::string kMp4("\x00\x00\x00\x20" "ftypisom\x00\x00\x02\x00isomiso2mp41", 28);
const std::string kWebm("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", 9);
const std::string kMpegPs("\x00\x00\x01\xba\x44\x00\x04\x00", 8);
const std::string kAvi("RIFF\x10\x00\x00\x00" "AVI LIST", 16);
// A 2x2 PNG as short as its header (what the image checks read).
const std::string kPng("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73",
                       33);

std::string ts_packets(size_t n) {
    std::string out(188 * n, '\xff');
    for (size_t i = 0; i < n; ++i) out[188 * i] = 0x47;
    return out;
}

std::string base64(const std::string& bytes) {
    static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (const unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(digits[(acc >> bits) & 63]);
        }
    }
    if (bits > 0) out.push_back(digits[(acc << (6 - bits)) & 63]);
    while (out.size() % 4 != 0) out.push_back('=');
    return out;
}

TEST(VideoContainer, KnownContainersByTheirFirstBytes) {
    EXPECT_STREQ(video_container(kMp4), "MP4/QuickTime");
    EXPECT_STREQ(video_container(std::string("\x00\x00\x00\x08moov", 8)), "MP4/QuickTime");
    EXPECT_STREQ(video_container(kWebm), "Matroska/WebM");
    EXPECT_STREQ(video_container(kMpegPs), "MPEG-PS");
    EXPECT_STREQ(video_container(kAvi), "AVI");
    EXPECT_STREQ(video_container(ts_packets(1)), "MPEG-TS");
    EXPECT_STREQ(video_container(ts_packets(3)), "MPEG-TS");
}

TEST(VideoContainer, AnythingElseIsNotAVideo) {
    EXPECT_EQ(video_container(""), nullptr);
    EXPECT_EQ(video_container("ftyp"), nullptr);  // the box name must be at offset 4
    EXPECT_EQ(video_container(std::string("\x89PNG\r\n\x1a\n", 8)), nullptr);
    EXPECT_EQ(video_container(std::string("RIFF\x10\x00\x00\x00WAVEfmt ", 16)), nullptr);  // RIFF, but audio
    std::string broken_ts = ts_packets(2);
    broken_ts[188] = 0;  // no second sync byte: chance, not a transport stream
    EXPECT_EQ(video_container(broken_ts), nullptr);
    EXPECT_EQ(video_container(std::string(100, '\x47')), nullptr);  // shorter than one packet
    const ApiError e = error_of([] { check_video_container("hello", "messages[0].content[1].video_url"); });
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.param, "messages[0].content[1].video_url");
}

ImageFile video_url_part(const std::string& url, const RequestLimits& limits, const std::vector<ImageFile>& before = {}) {
    const json part = {{"type", "video_url"}, {"video_url", {{"url", url}}}};
    return chat_media_part(part, "video_url", "f", before, limits);
}

TEST(VideoUrl, DataUrlsOfAnyVideoTypeDecode) {
    RequestLimits limits;
    for (const char* type : {"video/mp4", "video/webm", "video/mpeg", "video/quicktime"}) {
        const std::string url = std::string("data:") + type + ";base64," + base64(kMp4);
        const ImageFile v = video_url_part(url, limits);
        EXPECT_TRUE(v.video) << type;
        EXPECT_EQ(v.bytes, kMp4) << type;
    }
    // Not a data URL, not base64, or neither a video nor an image inside: 400 naming the field.
    const std::vector<std::string> bad = {"https://example.invalid/v.mp4", "data:video/mp4," + kMp4,
                                          "data:video/mp4;base64,!!!", "data:video/mp4;base64," + base64("not a video")};
    for (const std::string& url : bad) {
        const ApiError e = error_of([&] { video_url_part(url, limits); });
        EXPECT_EQ(e.status, 400) << url;
        EXPECT_EQ(e.param, "f.video_url") << url;
    }
    const ApiError e = error_of([&] { video_url_part("data:video/mp4;base64," + base64("not a video"), limits); });
    EXPECT_NE(e.message.find("does not hold a video"), std::string::npos) << e.message;
}

TEST(VideoUrl, SizeLimitAtAndOver) {
    RequestLimits limits;
    limits.max_video_bytes = static_cast<int32_t>(kMp4.size());
    const std::string url = "data:video/mp4;base64," + base64(kMp4);
    EXPECT_EQ(video_url_part(url, limits).bytes, kMp4);
    limits.max_video_bytes -= 1;
    const ApiError e = error_of([&] { video_url_part(url, limits); });
    EXPECT_EQ(e.param, "f.video_url");
    EXPECT_NE(e.message.find("--max-video-size"), std::string::npos) << e.message;
}

TEST(VideoPart, BothShapesCarryTheVideoAndItsLimits) {
    RequestLimits limits;
    limits.max_video_frames = 7;
    limits.max_image_pixels = 1000;
    const json url_part = {{"type", "video_url"}, {"video_url", {{"url", "data:video/mp4;base64," + base64(kMp4)}}}};
    const ImageFile a = chat_media_part(url_part, "video_url", "messages[0].content[2]", {}, limits);
    EXPECT_TRUE(a.video);
    EXPECT_EQ(a.bytes, kMp4);
    EXPECT_EQ(a.field, "messages[0].content[2].video_url");
    EXPECT_EQ(a.video_limits.max_frames, 7);
    EXPECT_EQ(a.video_limits.max_frame_pixels, 1000);
    const json data_part = {{"type", "input_video"}, {"input_video", {{"data", base64(kWebm)}, {"format", "webm"}}}};
    const ImageFile b = chat_media_part(data_part, "input_video", "messages[0].content[0]", {a}, limits);
    EXPECT_EQ(b.bytes, kWebm);
    EXPECT_EQ(b.id, 1);
    EXPECT_EQ(b.field, "messages[0].content[0].input_video");
    for (const json& bad : {json{{"type", "input_video"}}, json{{"type", "input_video"}, {"input_video", {{"data", 3}}}},
                            json{{"type", "input_video"}, {"input_video", {{"data", "@@"}}}}}) {
        const ApiError e = error_of([&] { chat_media_part(bad, "input_video", "messages[0].content[0]", {}, limits); });
        EXPECT_EQ(e.param, "messages[0].content[0].input_video") << bad.dump();
    }
}

// As llama-server 0.7 reads them: what the bytes are decides, not the part's type, and each file
// counts against the limits of what it is.
TEST(MediaPart, TheBytesDecideImageOrVideo) {
    RequestLimits limits;
    const ImageFile image = video_url_part("data:video/mp4;base64," + base64(kPng), limits);
    EXPECT_FALSE(image.video);
    EXPECT_EQ(image.bytes, kPng);
    const json webm_as_image = {{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64," + base64(kWebm)}}}};
    const ImageFile video = chat_media_part(webm_as_image, "image_url", "f", {}, limits);
    EXPECT_TRUE(video.video);
    EXPECT_EQ(video.bytes, kWebm);
    // An image sent as a video is held to the image limits (here: its pixels).
    limits.max_image_pixels = 3;
    const ApiError e = error_of([&] { video_url_part("data:video/mp4;base64," + base64(kPng), limits); });
    EXPECT_EQ(e.param, "f.video_url");
    EXPECT_NE(e.message.find("--max-image-pixels"), std::string::npos) << e.message;
    // Garbage in an image_url part keeps the image message.
    const json garbage = {{"type", "image_url"}, {"image_url", "data:image/png;base64," + base64("hello")}};
    const ApiError g = error_of([&] { chat_media_part(garbage, "image_url", "f", {}, limits); });
    EXPECT_EQ(g.param, "f.image_url");
    EXPECT_NE(g.message.find("PNG, JPEG, GIF or BMP"), std::string::npos) << g.message;
}

TEST(MediaPart, CountsAreCheckedBeforeDecodingAndByKind) {
    RequestLimits limits;
    limits.max_images = 1;
    limits.max_videos = 1;
    ImageFile image;
    ImageFile video;
    video.video = true;
    // Two files already: a third is refused before its (invalid) base64 is looked at.
    const json third = {{"type", "image_url"}, {"image_url", "data:image/png;base64,!!!"}};
    const ApiError e = error_of([&] { chat_media_part(third, "image_url", "f", {image, video}, limits); });
    EXPECT_EQ(e.param, "messages");
    // A video sent as image_url, after one video, is over --max-videos (not --max-images).
    const json webm_as_image = {{"type", "image_url"}, {"image_url", "data:image/png;base64," + base64(kWebm)}};
    const ApiError v = error_of([&] { chat_media_part(webm_as_image, "image_url", "f", {video}, limits); });
    EXPECT_EQ(v.param, "messages");
    EXPECT_NE(v.message.find("--max-videos"), std::string::npos) << v.message;
}

TEST(VideoPart, VideosAreCountedApartFromImages) {
    CompletionDefaults defaults;
    defaults.limits.max_videos = 1;
    defaults.limits.max_images = 1;
    const json video = {{"type", "video_url"}, {"video_url", {{"url", "data:video/webm;base64," + base64(kWebm)}}}};
    const json image = {{"type", "image_url"},
                        {"image_url", {{"url", "data:image/png;base64," + base64(kPng)}}}};
    const json one_each = {{"messages", {{{"role", "user"}, {"content", {image, {{"type", "text"}, {"text", "and"}}, video}}}}}};
    const ChatRequest r = parse_chat_request(one_each, defaults);
    ASSERT_EQ(r.images.size(), 2u);
    EXPECT_FALSE(r.images[0].video);
    EXPECT_TRUE(r.images[1].video);
    EXPECT_EQ(r.images[1].id, 1);
    const json two_videos = {{"messages", {{{"role", "user"}, {"content", {video, video}}}}}};
    const ApiError e = error_of([&] { parse_chat_request(two_videos, defaults); });
    EXPECT_EQ(e.param, "messages");
    EXPECT_NE(e.message.find("--max-videos"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace cria
