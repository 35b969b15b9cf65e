#include "engine/kv/token_prefix_index.h"

#include <algorithm>
#include <utility>

namespace cria {

struct TokenPrefixIndex::Node {
    std::vector<Token> edge;  // the tokens from the parent to here (empty only at the root)
    Node* parent = nullptr;
    std::map<Token, std::unique_ptr<Node>> children;  // by the first token of their edge
    std::optional<Id> id;     // set when a stored sequence ends here
    uint64_t stamp = 0;       // the id's recency
    uint64_t newest = 0;      // the largest stamp in this subtree (meaningless where it holds no id)
};

namespace {

// How many tokens of `edge` equal tokens[from, end), from the start.
size_t matching(const std::vector<Token>& edge, const std::vector<Token>& tokens, size_t from, size_t end) {
    const size_t n = std::min(edge.size(), end - from);
    size_t k = 0;
    while (k < n && edge[k] == tokens[from + k]) ++k;
    return k;
}

}  // namespace

TokenPrefixIndex::TokenPrefixIndex() : root_(std::make_unique<Node>()) {}
TokenPrefixIndex::~TokenPrefixIndex() = default;
TokenPrefixIndex::TokenPrefixIndex(TokenPrefixIndex&&) noexcept = default;
TokenPrefixIndex& TokenPrefixIndex::operator=(TokenPrefixIndex&&) noexcept = default;

std::optional<TokenPrefixIndex::Id> TokenPrefixIndex::insert(const std::vector<Token>& tokens, Id id, uint64_t stamp) {
    if (tokens.empty()) return std::nullopt;
    Node* node = root_.get();
    size_t i = 0;
    while (i < tokens.size()) {
        auto it = node->children.find(tokens[i]);
        if (it == node->children.end()) {  // a new leaf holds the rest
            auto leaf = std::make_unique<Node>();
            leaf->edge.assign(tokens.begin() + static_cast<std::ptrdiff_t>(i), tokens.end());
            leaf->parent = node;
            node = (node->children[tokens[i]] = std::move(leaf)).get();
            break;
        }
        Node* child = it->second.get();
        const size_t k = matching(child->edge, tokens, i, tokens.size());
        if (k < child->edge.size()) {  // split the edge where the sequences part
            auto middle = std::make_unique<Node>();
            middle->edge.assign(child->edge.begin(), child->edge.begin() + static_cast<std::ptrdiff_t>(k));
            middle->parent = node;
            child->edge.erase(child->edge.begin(), child->edge.begin() + static_cast<std::ptrdiff_t>(k));
            child->parent = middle.get();
            middle->newest = child->newest;
            middle->children[child->edge.front()] = std::move(it->second);
            it->second = std::move(middle);
            child = it->second.get();
        }
        node = child;
        i += k;
    }
    const std::optional<Id> replaced = node->id;
    if (!replaced) ++size_;
    node->id = id;
    node->stamp = stamp;
    refresh_newest(node);
    return replaced;
}

bool TokenPrefixIndex::erase(const std::vector<Token>& tokens) {
    Node* node = find_node(tokens);
    if (node == nullptr || !node->id) return false;
    node->id.reset();
    --size_;
    prune(node);
    return true;
}

bool TokenPrefixIndex::touch(const std::vector<Token>& tokens, uint64_t stamp) {
    Node* node = find_node(tokens);
    if (node == nullptr || !node->id) return false;
    node->stamp = stamp;
    refresh_newest(node);
    return true;
}

std::optional<TokenPrefixIndex::Match> TokenPrefixIndex::longest_prefix(const std::vector<Token>& prompt,
                                                                        size_t min_tokens, size_t limit) const {
    const size_t end = std::min(limit, prompt.size());
    const Node* node = root_.get();
    const Node* below = node;  // every sequence under it shares the first `i` tokens with the prompt
    size_t i = 0;
    while (i < end) {
        auto it = node->children.find(prompt[i]);
        if (it == node->children.end()) break;
        below = it->second.get();
        const size_t k = matching(below->edge, prompt, i, end);
        i += k;
        if (k < below->edge.size()) break;  // the prompt parts from them inside this edge
        node = below;
    }
    if (i == 0 || i < min_tokens) return std::nullopt;
    // The most recent sequence under `below`: follow the newest stamps down to it.
    for (;;) {
        if (below->id && below->stamp == below->newest) return Match{*below->id, i};
        const Node* next = nullptr;
        for (const auto& [first, child] : below->children) {
            if (next == nullptr || child->newest > next->newest) next = child.get();
        }
        if (next == nullptr) return Match{*below->id, i};  // unreachable by the shape invariant
        below = next;
    }
}

std::vector<TokenPrefixIndex::Id> TokenPrefixIndex::prefixes_of(const std::vector<Token>& tokens) const {
    std::vector<Id> out;
    const Node* node = root_.get();
    size_t i = 0;
    while (i < tokens.size()) {
        auto it = node->children.find(tokens[i]);
        if (it == node->children.end()) break;
        const Node* child = it->second.get();
        if (matching(child->edge, tokens, i, tokens.size()) < child->edge.size()) break;
        i += child->edge.size();
        node = child;
        if (node->id) out.push_back(*node->id);
    }
    return out;
}

TokenPrefixIndex::Node* TokenPrefixIndex::find_node(const std::vector<Token>& tokens) const {
    Node* node = root_.get();
    size_t i = 0;
    while (i < tokens.size()) {
        auto it = node->children.find(tokens[i]);
        if (it == node->children.end()) return nullptr;
        Node* child = it->second.get();
        if (matching(child->edge, tokens, i, tokens.size()) < child->edge.size()) return nullptr;
        i += child->edge.size();
        node = child;
    }
    return tokens.empty() ? nullptr : node;
}

void TokenPrefixIndex::refresh_newest(Node* node) {
    for (; node != nullptr; node = node->parent) {
        uint64_t newest = node->id ? node->stamp : 0;
        for (const auto& [first, child] : node->children) newest = std::max(newest, child->newest);
        node->newest = newest;
    }
}

void TokenPrefixIndex::prune(Node* node) {
    // A node without an id keeps its place only as a fork (two children or more).
    while (node != root_.get() && !node->id && node->children.empty()) {
        Node* parent = node->parent;
        parent->children.erase(node->edge.front());  // destroys node
        node = parent;
    }
    if (node != root_.get() && !node->id && node->children.size() == 1) {
        Node* parent = node->parent;
        std::unique_ptr<Node> child = std::move(node->children.begin()->second);
        child->edge.insert(child->edge.begin(), node->edge.begin(), node->edge.end());
        child->parent = parent;
        const Token first = child->edge.front();
        parent->children[first] = std::move(child);  // destroys node
        node = parent;
    }
    refresh_newest(node);
}

}  // namespace cria
