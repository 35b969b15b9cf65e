// The --rpc workers' addresses and the TCP probe that stands before every connection ggml makes
// (ggml's own connect aborts the process when nobody answers).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "engine/rpc_workers.h"

namespace {

TEST(RpcWorkers, EndpointsAreHostColonPort) {
    std::string error;
    EXPECT_TRUE(cria::valid_rpc_endpoint("127.0.0.1:50052", &error));
    EXPECT_TRUE(cria::valid_rpc_endpoint("worker-1.local:1", &error));
    EXPECT_TRUE(cria::valid_rpc_endpoint("[::1]:65535", &error));
    for (const char* bad : {"127.0.0.1", ":50052", "host:", "host:0", "host:65536", "host:12x", "host:123456"}) {
        error.clear();
        EXPECT_FALSE(cria::valid_rpc_endpoint(bad, &error)) << bad;
        EXPECT_NE(error.find(bad), std::string::npos) << error;
    }
}

TEST(RpcWorkers, ProbeTellsAListeningPortFromAClosedOne) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(listener, 4), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::string endpoint = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    EXPECT_TRUE(cria::tcp_endpoint_reachable(endpoint, 1000));
    close(listener);
    EXPECT_FALSE(cria::tcp_endpoint_reachable(endpoint, 1000));  // refused now
    EXPECT_FALSE(cria::tcp_endpoint_reachable("not an endpoint", 1000));
}

TEST(RpcWorkers, NoWorkersNamesNoDevice) {
    const cria::RpcWorkers none;
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(none.device_named("RPC0"), nullptr);
    EXPECT_TRUE(none.unreachable(100).empty());
}

}  // namespace
