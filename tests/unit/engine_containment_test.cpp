// The engine's answers to failures on its thread (request_failure.h) and the bounded task queue
// (task_queue.h), without a model.
#include <gtest/gtest.h>

#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "engine/request_failure.h"
#include "engine/task_queue.h"

using cria::decode_failure;
using cria::failure_for_exception;
using cria::GenerationRequest;
using cria::QueueAdmission;
using cria::Task;
using cria::TaskFailure;
using cria::TaskQueue;

namespace {

template <typename E>
std::exception_ptr thrown(E e) {
    return std::make_exception_ptr(e);
}

std::vector<std::shared_ptr<Task>> tasks(size_t n, uint64_t first_id = 1) {
    std::vector<std::shared_ptr<Task>> out;
    for (size_t i = 0; i < n; ++i) out.push_back(std::make_shared<Task>(first_id + i, GenerationRequest{}));
    return out;
}

std::vector<uint64_t> waiting_ids(TaskQueue& queue) {
    std::vector<uint64_t> ids;
    queue.take_in_order([&](const std::shared_ptr<Task>& t) {
        ids.push_back(t->id());
        return false;
    });
    return ids;
}

}  // namespace

TEST(RequestFailure, ARequestCausedThrowIsA400NamingThePhaseAndTheCause) {
    const TaskFailure f = failure_for_exception(thrown(std::runtime_error("Unexpected empty grammar stack")), "sampling", true);
    EXPECT_EQ(f.http_status, 400);
    EXPECT_NE(f.message.find("sampling"), std::string::npos);
    EXPECT_NE(f.message.find("Unexpected empty grammar stack"), std::string::npos);
}

TEST(RequestFailure, OtherThrowsAre500AndRunningOutOfMemoryAlwaysIs) {
    EXPECT_EQ(failure_for_exception(thrown(std::runtime_error("x")), "encoding an image", false).http_status, 500);
    EXPECT_EQ(failure_for_exception(thrown(std::bad_alloc()), "sampling", true).http_status, 500);
    EXPECT_EQ(failure_for_exception(thrown(42), "sampling", false).http_status, 500);
}

TEST(RequestFailure, DecodeCodesFollowLlamaH) {
    EXPECT_EQ(decode_failure(1).http_status, 503);  // no KV slot: retryable
    EXPECT_EQ(decode_failure(2).http_status, 500);
    EXPECT_EQ(decode_failure(-1).http_status, 500);
    EXPECT_EQ(decode_failure(-3).http_status, 500);
    EXPECT_NE(decode_failure(-3).message.find("-3"), std::string::npos);
}

TEST(TaskQueue, QueuesARequestsTasksAllOrNone) {
    TaskQueue queue(3);
    EXPECT_EQ(queue.push_all(tasks(2, 1)), QueueAdmission::queued);
    EXPECT_EQ(queue.push_all(tasks(2, 10)), QueueAdmission::full);  // one place left: none queued
    EXPECT_EQ(queue.size(), 2u);
    EXPECT_EQ(queue.push_all(tasks(1, 20)), QueueAdmission::queued);
    EXPECT_EQ(queue.push_all(tasks(1, 30)), QueueAdmission::full);
    EXPECT_EQ(waiting_ids(queue), (std::vector<uint64_t>{1, 2, 20}));
}

TEST(TaskQueue, ARequestLargerThanTheQueueIsTooLargeNotFull) {
    TaskQueue queue(3);
    EXPECT_EQ(queue.push_all(tasks(4)), QueueAdmission::too_large);
    EXPECT_EQ(queue.size(), 0u);
}

TEST(TaskQueue, TakingTasksMakesRoomAndKeepsTheOthersInOrder) {
    TaskQueue queue(3);
    ASSERT_EQ(queue.push_all(tasks(3, 1)), QueueAdmission::queued);
    queue.take_in_order([](const std::shared_ptr<Task>& t) { return t->id() == 2; });
    EXPECT_EQ(waiting_ids(queue), (std::vector<uint64_t>{1, 3}));
    EXPECT_EQ(queue.push_all(tasks(1, 9)), QueueAdmission::queued);
    EXPECT_EQ(waiting_ids(queue), (std::vector<uint64_t>{1, 3, 9}));
}

TEST(TaskQueue, AClosedQueueRefusesAndHandsBackWhatWaited) {
    TaskQueue queue(3);
    ASSERT_EQ(queue.push_all(tasks(2)), QueueAdmission::queued);
    EXPECT_EQ(queue.close().size(), 2u);
    EXPECT_EQ(queue.push_all(tasks(1)), QueueAdmission::closed);
}
