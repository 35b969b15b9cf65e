#include "engine/kv/host_cache_file.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

namespace cria {

namespace {

constexpr char kMagic[8] = {'C', 'R', 'I', 'A', 'H', 'P', 'C', 0x01};
constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
constexpr uint32_t kMaxLoraScales = 1u << 16;

void fnv1a(uint64_t& hash, const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) hash = (hash ^ p[i]) * kFnvPrime;
}

// Writes and hashes what it writes.
class Writer {
public:
    explicit Writer(std::ofstream& out) : out_(out) {}
    void bytes(const void* data, size_t n) {
        fnv1a(hash_, data, n);
        out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    }
    template <typename T>
    void value(T v) { bytes(&v, sizeof v); }
    uint64_t hash() const { return hash_; }

private:
    std::ofstream& out_;
    uint64_t hash_ = kFnvOffset;
};

// Reads and hashes what it reads; every length is checked against what is left of the file first.
class Reader {
public:
    Reader(std::ifstream& in, uint64_t size) : in_(in), left_(size) {}
    bool bytes(void* data, uint64_t n) {
        if (n > left_) return false;
        in_.read(static_cast<char*>(data), static_cast<std::streamsize>(n));
        if (!in_) return false;
        left_ -= n;
        fnv1a(hash_, data, static_cast<size_t>(n));
        return true;
    }
    template <typename T>
    bool value(T& v) { return bytes(&v, sizeof v); }
    // A count of `unit`-byte items that must fit in what is left.
    bool count(uint64_t& n, uint64_t unit) { return value(n) && n <= left_ / unit; }
    uint64_t hash() const { return hash_; }
    uint64_t left() const { return left_; }

private:
    std::ifstream& in_;
    uint64_t left_;
    uint64_t hash_ = kFnvOffset;
};

void write_entry(Writer& w, const HostCacheEntry& e) {
    w.value(static_cast<uint32_t>(e.key.lora.size()));
    w.bytes(e.key.lora.data(), e.key.lora.size() * sizeof(float));
    w.value(e.key.self_extend_factor);
    w.value(e.key.self_extend_width);
    w.value(static_cast<uint64_t>(e.tokens.size()));
    w.bytes(e.tokens.data(), e.tokens.size() * sizeof(Token));
    w.value(static_cast<uint64_t>(e.state.size()));
    w.bytes(e.state.data(), e.state.size());
}

bool read_entry(Reader& r, HostCacheEntry& e) {
    uint32_t n_lora = 0;
    if (!r.value(n_lora) || n_lora > kMaxLoraScales) return false;
    e.key.lora.resize(n_lora);
    if (!r.bytes(e.key.lora.data(), uint64_t{n_lora} * sizeof(float))) return false;
    if (!r.value(e.key.self_extend_factor) || !r.value(e.key.self_extend_width)) return false;
    uint64_t n = 0;
    if (!r.count(n, sizeof(Token))) return false;
    e.tokens.resize(static_cast<size_t>(n));
    if (!r.bytes(e.tokens.data(), n * sizeof(Token))) return false;
    if (!r.count(n, 1)) return false;
    e.state.resize(static_cast<size_t>(n));
    return r.bytes(e.state.data(), n);
}

// The entries of a file that passed every check, or an error.
bool read_file(std::ifstream& in, uint64_t size, const std::string& identity, std::vector<HostCacheEntry>& entries,
               std::string* error) {
    Reader r(in, size);
    char magic[sizeof kMagic];
    if (!r.bytes(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
        *error = "not a prompt-cache file of this version";
        return false;
    }
    uint64_t n = 0;
    std::string theirs;
    if (!r.count(n, 1)) return (*error = "truncated header", false);
    theirs.resize(static_cast<size_t>(n));
    if (!r.bytes(theirs.data(), n)) return (*error = "truncated header", false);
    if (theirs != identity) return (*error = "written for another model or other settings", false);
    if (!r.count(n, 1)) return (*error = "truncated header", false);
    for (uint64_t i = 0; i < n; ++i) {
        entries.emplace_back();
        if (!read_entry(r, entries.back())) return (*error = "truncated or malformed entry", false);
    }
    const uint64_t expected = r.hash();
    uint64_t stored = 0;
    if (!r.value(stored) || stored != expected) return (*error = "checksum mismatch (corrupted)", false);
    if (r.left() != 0) return (*error = "trailing bytes after the checksum", false);
    return true;
}

}  // namespace

bool save_host_cache_file(const std::string& path, const std::string& identity, const HostPromptCache& cache,
                          std::string* error) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) return (*error = "cannot write " + temporary + ": " + std::strerror(errno), false);
        Writer w(out);
        w.bytes(kMagic, sizeof kMagic);
        w.value(static_cast<uint64_t>(identity.size()));
        w.bytes(identity.data(), identity.size());
        w.value(static_cast<uint64_t>(cache.entries()));
        for (const HostCacheEntry& e : cache.in_lru_order()) write_entry(w, e);
        const uint64_t checksum = w.hash();
        out.write(reinterpret_cast<const char*>(&checksum), sizeof checksum);
        out.flush();
        if (!out) {
            std::remove(temporary.c_str());
            return (*error = "cannot write " + temporary, false);
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        return (*error = "cannot rename " + temporary + ": " + std::strerror(errno), false);
    }
    return true;
}

size_t load_host_cache_file(const std::string& path, const std::string& identity, HostPromptCache& cache,
                            std::string* error) {
    error->clear();
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return 0;  // no file yet: nothing to say
    const auto end = in.tellg();
    if (end < 0) return (*error = "cannot read the file", 0);
    in.seekg(0);
    std::vector<HostCacheEntry> entries;
    if (!read_file(in, static_cast<uint64_t>(end), identity, entries, error)) return 0;
    for (auto& e : entries) cache.insert(std::move(e));
    return entries.size();
}

}  // namespace cria
