#include "http/connection_pool.h"

#include <algorithm>
#include <exception>
#include <string>

#include "util/log.h"

namespace cria {

ConnectionPool::ConnectionPool(size_t kept_threads, size_t max_threads)
    : kept_(std::max<size_t>(1, kept_threads)), max_(std::max(kept_, max_threads)) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < kept_; ++i) start_thread();
}

ConnectionPool::~ConnectionPool() { shutdown(); }

bool ConnectionPool::enqueue(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    join_ended();
    jobs_.push_back(std::move(job));
    // Every waiting job is matched with an idle thread, or gets a new one.
    if (jobs_.size() > idle_ && threads_.size() < max_) start_thread();
    wake_.notify_one();
    return true;
}

void ConnectionPool::shutdown() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
        wake_.notify_all();
    }
    // No thread starts once stopping_ is set, so the list no longer changes but here.
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.clear();
    ended_.clear();
}

size_t ConnectionPool::running_threads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_.size() - ended_.size();
}

void ConnectionPool::start_thread() { threads_.emplace_back([this] { run(); }); }

void ConnectionPool::join_ended() {
    for (const auto id : ended_) {
        const auto it = std::find_if(threads_.begin(), threads_.end(), [id](const std::thread& t) { return t.get_id() == id; });
        if (it == threads_.end()) continue;
        it->join();  // it has left run() and holds no lock: this returns at once
        threads_.erase(it);
    }
    ended_.clear();
}

bool ConnectionPool::should_end(bool woken) const {
    if (stopping_) return true;
    return !woken && threads_.size() - ended_.size() > kept_;
}

void ConnectionPool::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        ++idle_;
        const bool woken = wake_.wait_for(lock, kThreadIdleLife, [this] { return stopping_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) {
            if (!should_end(woken)) continue;
            ended_.push_back(std::this_thread::get_id());
            return;
        }
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        try {
            job();
        } catch (const std::exception& e) {
            log_error(std::string("an exception escaped an HTTP connection: ") + e.what());
        } catch (...) {
            log_error("an exception escaped an HTTP connection");
        }
        lock.lock();
    }
}

}  // namespace cria
