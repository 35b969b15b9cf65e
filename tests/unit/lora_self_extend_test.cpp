// Tests of the LoRA list parsing (api/lora_api), the LoRA group choice and self-extend's position
// arithmetic (engine/).
#include <gtest/gtest.h>

#include <memory>

#include "api/api_error.h"
#include "api/lora_api.h"
#include "engine/lora_adapters.h"
#include "engine/self_extend.h"

namespace {

using cria::ApiError;
using cria::LoraScales;
using nlohmann::json;

ApiError lora_error(const json& value, size_t n_adapters, const std::string& field = "lora") {
    try {
        cria::parse_lora_scales(value, n_adapters, field);
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "no error for " << value.dump();
    return {};
}

TEST(LoraApi, ListedAdaptersGetTheirScaleOthersZero) {
    EXPECT_EQ(cria::parse_lora_scales(json::parse(R"([{"id": 2, "scale": 0.5}, {"id": 0, "scale": -1}])"), 3, "lora"),
              (LoraScales{-1.0f, 0.0f, 0.5f}));
    EXPECT_EQ(cria::parse_lora_scales(json::array(), 2, "lora"), (LoraScales{0.0f, 0.0f}));
    EXPECT_EQ(cria::parse_lora_scales(json::array(), 0, "lora"), LoraScales{});
}

TEST(LoraApi, BadListsNameTheField) {
    const ApiError not_array = lora_error(json::object(), 2);
    EXPECT_EQ(not_array.status, 400);
    EXPECT_EQ(not_array.param, "lora");
    EXPECT_NE(not_array.message.find("'lora' must be an array"), std::string::npos) << not_array.message;

    const ApiError unknown = lora_error(json::parse(R"([{"id": 0, "scale": 1}, {"id": 5, "scale": 1}])"), 2);
    EXPECT_EQ(unknown.param, "lora");
    EXPECT_NE(unknown.message.find("'lora[1].id' is 5"), std::string::npos) << unknown.message;
    EXPECT_NE(lora_error(json::parse(R"([{"id": 0, "scale": 1}])"), 0).message.find("no LoRA adapters"), std::string::npos);

    EXPECT_NE(lora_error(json::parse(R"([{"id": 0, "scale": 1}, {"id": 0, "scale": 2}])"), 1).message.find("second time"),
              std::string::npos);
    EXPECT_NE(lora_error(json::parse(R"([{"id": "0", "scale": 1}])"), 1).message.find("'lora[0].id' must be an integer"),
              std::string::npos);
    EXPECT_NE(lora_error(json::parse(R"([{"id": -1, "scale": 1}])"), 1).message.find("'lora[0].id' is -1"), std::string::npos);
    EXPECT_NE(lora_error(json::parse(R"([{"id": 0}])"), 1).message.find("'lora[0].scale' must be a number"), std::string::npos);
    EXPECT_NE(lora_error(json::parse(R"([{"id": 0, "scale": true}])"), 1).message.find("scale"), std::string::npos);
    EXPECT_NE(lora_error(json::parse(R"([3])"), 1).message.find("'lora[0]' must be an object"), std::string::npos);
}

TEST(LoraApi, AWholeBodyListNamesIdOrScale) {
    const ApiError id = lora_error(json::parse(R"([{"id": 9, "scale": 1}])"), 1, "");
    EXPECT_EQ(id.param, "id");
    EXPECT_NE(id.message.find("'[0].id' is 9"), std::string::npos) << id.message;
    EXPECT_EQ(lora_error(json::parse(R"([{"id": 0, "scale": "x"}])"), 1, "").param, "scale");
    EXPECT_NE(lora_error(json::parse(R"({"id": 0})"), 1, "").message.find("the body must be an array"), std::string::npos);
}

TEST(LoraApi, Json) {
    EXPECT_EQ(cria::lora_adapters_json({{0, "a.gguf", 1.0f}, {1, "b.gguf", 0.5f}}),
              json::parse(R"([{"id": 0, "path": "a.gguf", "scale": 1.0}, {"id": 1, "path": "b.gguf", "scale": 0.5}])"));
    EXPECT_EQ(cria::lora_scales_json({0.0f, 2.0f}), json::parse(R"([{"id": 0, "scale": 0.0}, {"id": 1, "scale": 2.0}])"));
}

TEST(LoraGroups, TheLongestWaitingSlotChoosesThenTheEarliestAdmitted) {
    const LoraScales a{1.0f}, b{0.0f};
    EXPECT_FALSE(cria::pick_lora_group({}).has_value());
    // b waited since step 3, a ran at step 4: b's turn.
    EXPECT_EQ(cria::pick_lora_group({{&a, 4, 1}, {&b, 3, 2}, {&a, 4, 3}}), b);
    // A slot just started (0) goes first; among equals the earliest admitted.
    EXPECT_EQ(cria::pick_lora_group({{&a, 7, 1}, {&b, 0, 5}}), b);
    EXPECT_EQ(cria::pick_lora_group({{&a, 0, 2}, {&b, 0, 1}}), b);
}

// Regression: the scheduler builds a whole batch under the chosen scales, and may finish the very
// slot they were chosen from while doing so (a full context that cannot shift), which releases its
// request. pick_lora_group used to return a pointer into that request (the candidate's `scales`),
// which the batch building kept using afterwards: a use after free. The choice is now a value.
// Here the request's scales are overwritten rather than freed, so that the old pointer-returning
// version fails this test deterministically (`*chosen` would read {9, 9}) instead of by undefined
// behaviour; the source compiles against both versions.
TEST(LoraGroups, TheChoiceOutlivesTheRequestItWasTakenFrom) {
    auto request_scales = std::make_unique<LoraScales>(LoraScales{1.0f, 0.5f});
    const LoraScales other{0.0f, 0.0f};
    const auto chosen = cria::pick_lora_group({{request_scales.get(), 0, 1}, {&other, 5, 2}});
    *request_scales = {9.0f, 9.0f};  // the chosen slot finishes; its request is released or reused
    EXPECT_EQ(*chosen, (LoraScales{1.0f, 0.5f}));
    EXPECT_EQ(*request_scales, (LoraScales{9.0f, 9.0f}));
}

TEST(SelfExtend, MaxPosition) {
    const cria::SelfExtend off(1, 512);
    EXPECT_FALSE(off.enabled());
    EXPECT_EQ(off.max_position(1024), 1023);
    const cria::SelfExtend se(8, 64);
    EXPECT_TRUE(se.enabled());
    EXPECT_EQ(se.max_position(1), 0);
    EXPECT_EQ(se.max_position(64), 63);   // the first window is not grouped yet
    EXPECT_EQ(se.max_position(65), 63);   // token 64 goes to position 64 / 8 = 8
    EXPECT_EQ(se.max_position(128), 71);  // 8 + 63
    EXPECT_EQ(se.max_position(1024), 183);  // 15 windows grouped (120 positions) + 63
}

TEST(SelfExtend, StateOfASequenceAtRest) {
    const cria::SelfExtend se(8, 64);
    auto state = [&](size_t n) {
        const auto st = se.state_for(n);
        return std::make_pair(st.grouped_end, st.next_pos);
    };
    EXPECT_EQ(state(0), std::make_pair(0, 0));
    EXPECT_EQ(state(64), std::make_pair(0, 64));   // full, but grouped only when a token follows
    EXPECT_EQ(state(65), std::make_pair(8, 9));
    EXPECT_EQ(state(281), std::make_pair(32, 57));  // 4 windows grouped, 25 tokens in the fifth
    EXPECT_EQ(cria::SelfExtend(1, 64).state_for(281).next_pos, 281);
}

}  // namespace
