// The HTTP connection pool (http/connection_pool.h): a job never waits behind jobs that hold their
// threads, up to the cap; past it, jobs wait in order and run once threads free.
#include "http/connection_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

namespace cria {
namespace {

// Jobs that hold their thread until released, like connections that send nothing.
class HeldJobs {
public:
    std::function<void()> job() {
        return [this] {
            std::unique_lock<std::mutex> lock(mutex_);
            ++started_;
            changed_.notify_all();
            changed_.wait(lock, [this] { return released_; });
            ++finished_;
            changed_.notify_all();
        };
    }
    // Waits (bounded, generously) until `n` jobs have started; false if they never do.
    bool wait_started(size_t n) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return started_ >= n; });
    }
    bool wait_finished(size_t n) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return finished_ >= n; });
    }
    size_t started() {
        std::lock_guard<std::mutex> lock(mutex_);
        return started_;
    }
    void release() {
        std::lock_guard<std::mutex> lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    size_t started_ = 0;
    size_t finished_ = 0;
    bool released_ = false;
};

TEST(ConnectionPool, EveryJobGetsAThreadAtOnceUpToTheCap) {
    HeldJobs held;  // outlives the pool's threads
    ConnectionPool pool(2, 200);
    // A burst, as when many connections arrive together: none may be left waiting.
    for (int i = 0; i < 130; ++i) ASSERT_TRUE(pool.enqueue(held.job()));
    EXPECT_TRUE(held.wait_started(130)) << held.started() << " of 130 jobs started";
    EXPECT_GE(pool.running_threads(), 130u);
    held.release();
    EXPECT_TRUE(held.wait_finished(130));
    pool.shutdown();
    EXPECT_EQ(pool.running_threads(), 0u);
    EXPECT_FALSE(pool.enqueue([] {}));
}

TEST(ConnectionPool, PastTheCapJobsWaitAndRunOnceThreadsFree) {
    HeldJobs held;
    ConnectionPool pool(1, 4);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(pool.enqueue(held.job()));
    ASSERT_TRUE(held.wait_started(4));
    EXPECT_EQ(pool.running_threads(), 4u);
    held.release();
    EXPECT_TRUE(held.wait_finished(6));
}

TEST(ConnectionPool, ShutdownRunsTheJobsStillWaiting) {
    HeldJobs held;
    int ran = 0;
    {
        ConnectionPool pool(1, 1);
        ASSERT_TRUE(pool.enqueue(held.job()));
        ASSERT_TRUE(held.wait_started(1));
        ASSERT_TRUE(pool.enqueue([&ran] { ++ran; }));
        held.release();
        pool.shutdown();
    }
    EXPECT_EQ(ran, 1);
}

TEST(ConnectionPool, AnExceptionInAJobDoesNotEndTheProcessOrTheThread) {
    HeldJobs held;
    ConnectionPool pool(1, 1);
    ASSERT_TRUE(pool.enqueue([] { throw std::runtime_error("a broken connection"); }));
    ASSERT_TRUE(pool.enqueue(held.job()));
    EXPECT_TRUE(held.wait_started(1));
    held.release();
    EXPECT_TRUE(held.wait_finished(1));
}

}  // namespace
}  // namespace cria
