// Tests of parse_slot_file_call() and slot_file_name_problem() (src/api/slot_file_request.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/slot_file_request.h"

namespace {

using cria::ApiError;
using cria::parse_slot_file_call;
using cria::SlotFileVerb;

std::string param_of(const std::string& action, const std::string& id, const std::string& body) {
    try {
        parse_slot_file_call(action, id, body, 4);
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status, 400);
        EXPECT_NE(e.message.find(e.param), std::string::npos) << e.message;
        return e.param;
    }
    return "(accepted)";
}

TEST(SlotFileRequest, ParsesEachAction) {
    const auto save = parse_slot_file_call("save", "2", R"({"filename": "chat-1.bin"})", 4);
    EXPECT_EQ(save.verb, SlotFileVerb::save);
    EXPECT_EQ(save.id_slot, 2);
    EXPECT_EQ(save.filename, "chat-1.bin");
    EXPECT_EQ(parse_slot_file_call("restore", "0", R"({"filename": "x"})", 4).verb, SlotFileVerb::restore);
    const auto erase = parse_slot_file_call("erase", "3", "", 4);
    EXPECT_EQ(erase.verb, SlotFileVerb::erase);
    EXPECT_EQ(erase.filename, "");
}

TEST(SlotFileRequest, NamesTheBadField) {
    EXPECT_EQ(param_of("", "0", ""), "action");
    EXPECT_EQ(param_of("delete", "0", ""), "action");
    EXPECT_EQ(param_of("erase", "4", ""), "id_slot");
    EXPECT_EQ(param_of("erase", "-1", ""), "id_slot");
    EXPECT_EQ(param_of("erase", "one", ""), "id_slot");
    EXPECT_EQ(param_of("save", "0", "{}"), "filename");
    EXPECT_EQ(param_of("save", "0", ""), "filename");
    EXPECT_EQ(param_of("save", "0", R"({"filename": 5})"), "filename");
}

TEST(SlotFileRequest, FileNamesCannotLeaveTheDirectory) {
    for (const std::string& name : std::vector<std::string>{"../x", "..", ".", "a/b", "/etc/passwd", "..\\x", ".hidden", "", "a\nb",
                                   std::string("a\0b", 3), std::string(256, 'a')}) {
        EXPECT_NE(cria::slot_file_name_problem(name), "") << name;
        const std::string body = nlohmann::json{{"filename", name}}.dump();
        EXPECT_EQ(param_of("restore", "0", body), "filename") << name;
    }
    for (const std::string& name : std::vector<std::string>{"slot.bin", "chat 1.bin", "a..b", "%2e%2e", std::string(255, 'a')}) {
        EXPECT_EQ(cria::slot_file_name_problem(name), "") << name;
    }
}

}  // namespace
