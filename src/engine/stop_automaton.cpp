#include "engine/stop_automaton.h"

#include <deque>

namespace cria {

StopAutomaton::StopAutomaton(const std::vector<std::string>& strings) : nodes_(1) {
    root_next_.fill(kStart);
    for (size_t i = 0; i < strings.size(); ++i) {
        if (!strings[i].empty()) insert(strings[i], static_cast<int32_t>(i));
    }
    link();
}

StopAutomaton::State StopAutomaton::child(State state, unsigned char byte) const {
    if (state == kStart) return root_next_[byte] == kStart ? -1 : root_next_[byte];
    for (const auto& [b, to] : nodes_[static_cast<size_t>(state)].next) {
        if (b == byte) return to;
    }
    return -1;
}

void StopAutomaton::insert(const std::string& s, int32_t index) {
    State at = kStart;
    for (const char ch : s) {
        const auto byte = static_cast<unsigned char>(ch);
        State to = child(at, byte);
        if (to < 0) {
            to = static_cast<State>(nodes_.size());
            Node node;
            node.depth = nodes_[static_cast<size_t>(at)].depth + 1;
            nodes_.push_back(std::move(node));
            if (at == kStart) {
                root_next_[byte] = to;
            } else {
                nodes_[static_cast<size_t>(at)].next.emplace_back(byte, to);
            }
        }
        at = to;
    }
    Node& end = nodes_[static_cast<size_t>(at)];
    if (end.own_index < 0) end.own_index = index;  // a repeated string keeps its first index
}

void StopAutomaton::link() {
    // Breadth first: a node's failure target is shallower, so it is complete when the node is reached.
    std::deque<State> queue;
    auto visit = [&](State node, State fail) {
        Node& n = nodes_[static_cast<size_t>(node)];
        n.fail = fail;
        const Node& f = nodes_[static_cast<size_t>(fail)];
        if (n.own_index >= 0) {
            n.out_length = n.depth;
            n.out_index = n.own_index;
        } else {
            n.out_length = f.out_length;
            n.out_index = f.out_index;
        }
        queue.push_back(node);
    };
    for (const State to : root_next_) {
        if (to != kStart) visit(to, kStart);
    }
    while (!queue.empty()) {
        const State node = queue.front();
        queue.pop_front();
        for (const auto& [byte, to] : nodes_[static_cast<size_t>(node)].next) {
            visit(to, step(nodes_[static_cast<size_t>(node)].fail, byte));
        }
    }
}

StopAutomaton::State StopAutomaton::step(State state, unsigned char byte) const {
    for (;;) {
        const State to = child(state, byte);
        if (to >= 0) return to;
        if (state == kStart) return kStart;
        state = nodes_[static_cast<size_t>(state)].fail;
    }
}

}  // namespace cria
