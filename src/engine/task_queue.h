// TaskQueue: requests waiting for a slot, in arrival order. Filled by HTTP threads, drained by
// the engine thread.
//
// Bounded: at most `capacity` tasks wait (--max-queued-requests); a task leaves the queue when it
// starts in a slot. The lock is held only for O(1) work per task, on either side: the engine
// decides under it which tasks to take, and starts them after releasing it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/task.h"

namespace cria {

// What push_all() did with a request's tasks: all of them are queued, or none.
enum class QueueAdmission {
    queued,
    full,       // fewer than that many places are free now: try again later
    too_large,  // more tasks than the queue can ever hold at once
    closed,     // the queue is closed (the server is shutting down)
};

class TaskQueue {
public:
    explicit TaskQueue(size_t capacity) : capacity_(capacity) {}

    size_t capacity() const { return capacity_; }

    // Queues every task of one request, in order, or none (one request never half-waits).
    QueueAdmission push_all(const std::vector<std::shared_ptr<Task>>& tasks) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (closed_) return QueueAdmission::closed;
            if (tasks.size() > capacity_) return QueueAdmission::too_large;
            if (tasks.size() > capacity_ - tasks_.size()) return QueueAdmission::full;
            tasks_.insert(tasks_.end(), tasks.begin(), tasks.end());
        }
        changed_.notify_one();
        return QueueAdmission::queued;
    }

    // Engine side: blocks until a task is waiting, the queue is closed, wake() is called or
    // `timeout` passes.
    void wait_for_tasks(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, timeout, [&] { return closed_ || woken_ || !tasks_.empty(); });
        woken_ = false;
    }

    // Ends the engine's current wait early (it has other work than tasks, e.g. a slot file).
    void wake() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            woken_ = true;
        }
        changed_.notify_one();
    }

    // Engine side: walks the waiting tasks in arrival order; `place` returns true for each task
    // it took (that task leaves the queue). Tasks not taken keep their order. `place` runs under
    // the lock every submitting thread needs: it must only decide, in O(1), never start a task.
    void take_in_order(const std::function<bool(const std::shared_ptr<Task>&)>& place) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = tasks_.begin(); it != tasks_.end();) {
            it = place(*it) ? tasks_.erase(it) : std::next(it);
        }
    }

    // Stops accepting tasks and hands back those still waiting.
    std::deque<std::shared_ptr<Task>> close() {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        changed_.notify_all();
        return std::move(tasks_);
    }

    bool closed() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return closed_;
    }

    size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return tasks_.size();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::shared_ptr<Task>> tasks_;
    const size_t capacity_;
    bool closed_ = false;
    bool woken_ = false;
};

}  // namespace cria
