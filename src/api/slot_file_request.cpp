#include "api/slot_file_request.h"

#include "api/json_fields.h"
#include "util/value_parse.h"

namespace cria {

std::string slot_file_name_problem(const std::string& name) {
    if (name.empty()) return "must not be empty";
    if (name.size() > 255) return "must be at most 255 bytes long";
    if (name[0] == '.') return "must not start with '.'";
    for (const unsigned char c : name) {
        if (c == '/' || c == '\\') return "must be a plain file name, without directories";
        if (c < 0x20 || c == 0x7f) return "must not contain control characters";
    }
    return "";
}

SlotFileCall parse_slot_file_call(const std::string& action, const std::string& id_text, const std::string& body,
                                  int32_t n_slots) {
    SlotFileCall call;
    if (action == "save") {
        call.verb = SlotFileVerb::save;
    } else if (action == "restore") {
        call.verb = SlotFileVerb::restore;
    } else if (action == "erase") {
        call.verb = SlotFileVerb::erase;
    } else {
        throw invalid_request("action must be save, restore or erase (as ?action=...)", "action");
    }
    const auto id = util::parse_int(id_text);
    if (!id || *id < 0 || *id >= n_slots) {
        throw invalid_request("id_slot must be a slot number from 0 to " + std::to_string(n_slots - 1) + ", not '" +
                                  id_text + "'",
                              "id_slot");
    }
    call.id_slot = static_cast<int32_t>(*id);
    if (call.verb == SlotFileVerb::erase) return call;

    const json object = parse_json_object(body.empty() ? "{}" : body);
    if (!has_field(object, "filename")) throw invalid_request("filename is required to " + action + " a slot", "filename");
    call.filename = read_string(object, "filename", "");
    const std::string problem = slot_file_name_problem(call.filename);
    if (!problem.empty()) throw invalid_request("filename " + problem, "filename");
    return call;
}

}  // namespace cria
