// ResponsesStore: the /v1/responses answers kept in memory for `previous_response_id` and
// GET/DELETE /v1/responses/{id}. Only responses whose request said `store: true` go in.
//
// Bounded two ways (--responses-store, --responses-store-size): at most `max_responses` entries
// and `max_bytes` bytes, an entry's size being its response object and its conversation as JSON
// text. Putting an entry first drops the least recently used ones (put or read) until it fits;
// an entry larger than the whole store is not kept. Nothing is written to disk; a restart forgets
// everything.
//
// Thread-safe: every method takes the one mutex. Entries are immutable once put and handed out as
// shared pointers, so a reader never copies a conversation under the lock, and a dropped entry
// lives on while a request still reads it.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace cria {

class ResponsesStore {
public:
    struct Entry {
        nlohmann::json response;      // the response object, as GET /v1/responses/{id} answers it
        nlohmann::json conversation;  // its input items (after the previous response's) and its output items
    };

    ResponsesStore(size_t max_responses, size_t max_bytes) : max_responses_(max_responses), max_bytes_(max_bytes) {}

    bool enabled() const { return max_responses_ > 0; }
    size_t max_bytes() const { return max_bytes_; }

    // Keeps `entry` under `id` (replacing an entry of that id). Returns false, keeping nothing,
    // when the store is off or the entry alone is larger than max_bytes.
    bool put(const std::string& id, Entry entry);

    // The entry stored under `id` (now the most recently used), or null.
    std::shared_ptr<const Entry> get(const std::string& id);

    // Drops the entry; false when there was none.
    bool erase(const std::string& id);

    size_t size() const;
    size_t bytes() const;

    // The bytes `entry` counts for (its JSON text).
    static size_t entry_bytes(const std::string& id, const Entry& entry);

private:
    struct Slot {
        std::string id;
        std::shared_ptr<const Entry> entry;
        size_t bytes = 0;
    };

    void drop_locked(std::list<Slot>::iterator slot);

    const size_t max_responses_;
    const size_t max_bytes_;
    mutable std::mutex mutex_;
    std::list<Slot> lru_;  // most recently used first
    std::unordered_map<std::string, std::list<Slot>::iterator> index_;
    size_t bytes_ = 0;
};

}  // namespace cria
