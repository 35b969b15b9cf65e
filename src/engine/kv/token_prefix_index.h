// TokenPrefixIndex: a radix tree (compressed trie) of token sequences, each stored under an id, so
// that the stored sequence sharing the longest prefix with a prompt is found in time proportional
// to the prompt's length, however many sequences are stored. The host prompt cache
// (host_prompt_cache.h) keeps one per cache key; it owns the entries, this only indexes them.
//
// Shape: every edge holds a non-empty run of tokens; a node's children start with distinct tokens;
// a node other than the root either holds an id or has at least two children (one with one child
// and no id is merged into it), so the tree has fewer nodes than twice the sequences stored. At
// most one id per sequence: inserting a sequence that is already stored replaces its id.
//
// Recency: every id carries a stamp (the caller's clock, e.g. a use counter), and every node the
// largest stamp below it, so that among the sequences sharing the same longest prefix with a
// prompt the most recently stamped one is found without visiting the others.
//
// llama-free and not thread-safe (its owner's thread rule applies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "engine/generation_request.h"  // Token

namespace cria {

class TokenPrefixIndex {
public:
    using Id = uint64_t;

    TokenPrefixIndex();
    ~TokenPrefixIndex();
    TokenPrefixIndex(TokenPrefixIndex&&) noexcept;
    TokenPrefixIndex& operator=(TokenPrefixIndex&&) noexcept;
    TokenPrefixIndex(const TokenPrefixIndex&) = delete;
    TokenPrefixIndex& operator=(const TokenPrefixIndex&) = delete;

    // Stores `tokens` (non-empty) under `id` with recency `stamp`. Returns the id it replaced when
    // the same sequence was stored already.
    std::optional<Id> insert(const std::vector<Token>& tokens, Id id, uint64_t stamp);

    // Removes the sequence `tokens` (whatever id it has). False when it is not stored.
    bool erase(const std::vector<Token>& tokens);

    // Gives the stored sequence `tokens` a new recency stamp. False when it is not stored.
    bool touch(const std::vector<Token>& tokens, uint64_t stamp);

    // The stored sequence sharing the longest prefix with prompt[0, limit) (limit clipped to the
    // prompt), if that prefix has at least max(min_tokens, 1) tokens: its id and the shared count.
    // Among sequences sharing equally many, the most recently stamped.
    struct Match {
        Id id = 0;
        size_t n_tokens = 0;
    };
    std::optional<Match> longest_prefix(const std::vector<Token>& prompt, size_t min_tokens = 1,
                                        size_t limit = SIZE_MAX) const;

    // The ids of the stored sequences that are prefixes of `tokens` (itself included), shortest first.
    std::vector<Id> prefixes_of(const std::vector<Token>& tokens) const;

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

private:
    struct Node;
    Node* find_node(const std::vector<Token>& tokens) const;  // the node ending exactly at `tokens`
    static void refresh_newest(Node* node);                    // recomputes `newest` up to the root
    void prune(Node* node);                                    // after its id went: drop or merge it

    std::unique_ptr<Node> root_;
    size_t size_ = 0;
};

}  // namespace cria
