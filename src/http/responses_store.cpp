#include "http/responses_store.h"

#include "api/completion_response.h"

namespace cria {

size_t ResponsesStore::entry_bytes(const std::string& id, const Entry& entry) {
    return id.size() + dump_json(entry.response).size() + dump_json(entry.conversation).size();
}

bool ResponsesStore::put(const std::string& id, Entry entry) {
    if (!enabled()) return false;
    const size_t size = entry_bytes(id, entry);  // outside the lock: dumping may take a while
    if (size > max_bytes_) return false;
    auto shared = std::make_shared<const Entry>(std::move(entry));
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto it = index_.find(id); it != index_.end()) drop_locked(it->second);
    while (!lru_.empty() && (lru_.size() >= max_responses_ || bytes_ + size > max_bytes_)) drop_locked(std::prev(lru_.end()));
    lru_.push_front({id, std::move(shared), size});
    index_[id] = lru_.begin();
    bytes_ += size;
    return true;
}

std::shared_ptr<const ResponsesStore::Entry> ResponsesStore::get(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = index_.find(id);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->entry;
}

bool ResponsesStore::erase(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = index_.find(id);
    if (it == index_.end()) return false;
    drop_locked(it->second);
    return true;
}

size_t ResponsesStore::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lru_.size();
}

size_t ResponsesStore::bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
}

void ResponsesStore::drop_locked(std::list<Slot>::iterator slot) {
    bytes_ -= slot->bytes;
    index_.erase(slot->id);
    lru_.erase(slot);
}

}  // namespace cria
