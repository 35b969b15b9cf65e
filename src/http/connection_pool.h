// ConnectionPool: the threads that serve HTTP connections (httplib's TaskQueue).
//
// httplib hands the pool one job per accepted connection, and that job holds its thread until the
// connection closes: a connection that sends nothing too, until --http-idle-timeout. So a job
// never waits behind held ones while fewer than `max_threads` run: enqueue() starts a thread
// whenever the jobs waiting outnumber the idle threads (counted under one lock, so a burst of
// connections cannot leave a job without one, as httplib's own pool can). `kept_threads` always
// run; the others end after kThreadIdleLife without work. Past max_threads, jobs wait in order.
//
// Thread rules: enqueue() is called by httplib's listening thread, shutdown() once when it stops
// listening (it runs the jobs still waiting, then joins every thread); jobs run on the pool's
// threads. An exception escaping a job is logged and the thread goes on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace cria {

class ConnectionPool final : public httplib::TaskQueue {
public:
    static constexpr std::chrono::seconds kThreadIdleLife{5};

    ConnectionPool(size_t kept_threads, size_t max_threads);
    ~ConnectionPool() override;
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    bool enqueue(std::function<void()> job) override;  // false once shut down
    void shutdown() override;

    size_t running_threads() const;  // threads that have not ended

private:
    void start_thread();   // mutex_ held
    void join_ended();     // mutex_ held
    void run();            // one thread's life
    bool should_end(bool woken) const;  // mutex_ held, no job waiting

    const size_t kept_;
    const size_t max_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    std::list<std::thread> threads_;        // every thread not yet joined
    std::vector<std::thread::id> ended_;    // threads that returned from run(), to join
    size_t idle_ = 0;                       // threads waiting for a job
    bool stopping_ = false;
};

}  // namespace cria
