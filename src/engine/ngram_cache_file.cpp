#include "engine/ngram_cache_file.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

namespace cria {

namespace {

// The format is little-endian; so are the hosts cria is built for (x86-64, aarch64).
int32_t read_i32(const unsigned char* p) {
    return static_cast<int32_t>(uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
}

void put_i32(std::string& out, int32_t v) {
    const auto u = static_cast<uint32_t>(v);
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((u >> shift) & 0xff));
}

}  // namespace

bool read_ngram_cache_file(const std::string& path, NgramCounts* out, std::string* error, int32_t n_vocab,
                           uint64_t max_bytes) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        *error = "cannot open '" + path + "'";
        return false;
    }
    const std::streamoff size = in.tellg();
    if (size < 0) {
        *error = "cannot read '" + path + "' (is it a directory?)";
        return false;
    }
    if (static_cast<uint64_t>(size) > max_bytes) {
        *error = "'" + path + "' has " + std::to_string(size) + " bytes; a lookup cache may have at most " +
                 std::to_string(max_bytes);
        return false;
    }
    std::vector<unsigned char> bytes(static_cast<size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
        *error = "cannot read '" + path + "'";
        return false;
    }
    const size_t n = bytes.size();
    size_t at = 0;
    const auto fail = [&](const std::string& why) {
        *error = "'" + path + "' is not a lookup cache: " + why + " at byte " + std::to_string(at);
        return false;
    };
    const auto bad_token = [n_vocab](int32_t t) { return t < 0 || (n_vocab > 0 && t >= n_vocab); };
    NgramCounts counts;
    while (at < n) {
        if (n - at < 4 * (kNgramCacheMax + 1)) return fail("the file ends inside an n-gram");
        Ngram ngram;
        int used = 0;
        for (int i = 0; i < kNgramCacheMax; ++i) {
            const int32_t t = read_i32(&bytes[at + 4 * static_cast<size_t>(i)]);
            ngram.tokens[static_cast<size_t>(i)] = t;
            if (t == -1) continue;
            if (used != i) return fail("an n-gram has a token after its unused tail");
            if (bad_token(t)) return fail("an n-gram has token id " + std::to_string(t));
            ++used;
        }
        if (used == 0) return fail("an n-gram has no token");
        const int32_t k = read_i32(&bytes[at + 4 * kNgramCacheMax]);
        if (k <= 0) return fail("an n-gram has " + std::to_string(k) + " following tokens");
        at += 4 * (kNgramCacheMax + 1);
        if (static_cast<uint64_t>(n - at) < uint64_t{8} * static_cast<uint64_t>(k)) {
            return fail("the file ends inside an n-gram's token counts");
        }
        for (int32_t j = 0; j < k; ++j, at += 8) {
            const int32_t token = read_i32(&bytes[at]);
            const int32_t count = read_i32(&bytes[at + 4]);
            if (bad_token(token)) return fail("a following token has id " + std::to_string(token));
            if (count <= 0) return fail("a following token has count " + std::to_string(count));
            counts.add(ngram, token, count);
        }
    }
    out->merge(counts);
    return true;
}

bool write_ngram_cache_file(const std::string& path, const NgramCounts& counts, std::string* error) {
    std::string data;
    counts.for_each([&data](const Ngram& ngram, const TokenCounts& followers) {
        if (followers.empty()) return;
        for (const Token t : ngram.tokens) put_i32(data, t);
        put_i32(data, static_cast<int32_t>(followers.size()));
        for (const auto& [token, count] : followers) {
            put_i32(data, token);
            put_i32(data, count);
        }
    });
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out || !out.write(data.data(), static_cast<std::streamsize>(data.size())) || !out.flush()) {
            *error = "cannot write '" + temporary + "'";
            return false;
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        *error = "cannot rename '" + temporary + "' to '" + path + "'";
        std::remove(temporary.c_str());
        return false;
    }
    return true;
}

}  // namespace cria
