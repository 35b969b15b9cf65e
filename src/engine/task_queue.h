// TaskQueue: requests waiting for a slot, in arrival order. Filled by HTTP threads, drained by
// the engine thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "engine/task.h"

namespace cria {

class TaskQueue {
public:
    // Returns false once close() was called (the task is not queued).
    bool push(std::shared_ptr<Task> task) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (closed_) return false;
            tasks_.push_back(std::move(task));
        }
        changed_.notify_one();
        return true;
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
    // it took (that task leaves the queue). Tasks not taken keep their order.
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
    bool closed_ = false;
    bool woken_ = false;
};

}  // namespace cria
