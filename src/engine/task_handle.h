// TaskHandle: the HTTP side's hold on one submitted task. Dropping it cancels the task, so a
// handler that returns early (an error, a client that left, an exception) never leaves work
// running in the engine: every way out of a handler releases the slot at the engine's next step.
//
// Cancelling a task that already finished does nothing. A handle is moved, never copied (two
// owners could not agree on when the task is no longer wanted).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "engine/task.h"

namespace cria {

class TaskHandle {
public:
    TaskHandle() = default;  // holds no task
    explicit TaskHandle(std::shared_ptr<Task> task) : task_(std::move(task)) {}
    ~TaskHandle() { cancel(); }

    TaskHandle(TaskHandle&& other) noexcept : task_(std::move(other.task_)) {}
    TaskHandle& operator=(TaskHandle&& other) noexcept {
        if (this != &other) {
            cancel();
            task_ = std::move(other.task_);
        }
        return *this;
    }
    TaskHandle(const TaskHandle&) = delete;
    TaskHandle& operator=(const TaskHandle&) = delete;

    explicit operator bool() const { return task_ != nullptr; }

    // The request as the engine runs it (with the scales submit() fixed). Requires a task.
    const GenerationRequest& request() const { return task_->request(); }

    // The next event, waiting up to `timeout`; nullopt on timeout. Requires a task.
    std::optional<TaskEvent> next_event(std::chrono::milliseconds timeout) { return task_->next_event(timeout); }

    // Stops the task now rather than when the handle is dropped.
    void cancel() {
        if (task_) task_->cancel();
    }

private:
    std::shared_ptr<Task> task_;
};

}  // namespace cria
