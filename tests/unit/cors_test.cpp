// Tests of decide_cors() (src/http/cors.h): which origins get which headers.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "http/cors.h"

namespace {

std::map<std::string, std::string> headers_of(const cria::CorsDecision& d) {
    return {d.headers.begin(), d.headers.end()};
}

TEST(Cors, AnyOriginWithCredentialsEchoesTheOrigin) {
    const cria::CorsPolicy policy;  // defaults: *, credentials on
    const auto d = cria::decide_cors(policy, "http://page.example", false);
    EXPECT_TRUE(d.allowed);
    auto h = headers_of(d);
    EXPECT_EQ(h["Access-Control-Allow-Origin"], "http://page.example");
    EXPECT_EQ(h["Access-Control-Allow-Credentials"], "true");
    EXPECT_EQ(h["Vary"], "Origin");
    EXPECT_EQ(h.count("Access-Control-Allow-Methods"), 0u);  // only on preflight
}

TEST(Cors, AnyOriginWithoutCredentialsIsAWildcard) {
    cria::CorsPolicy policy;
    policy.credentials = false;
    auto h = headers_of(cria::decide_cors(policy, "http://page.example", false));
    EXPECT_EQ(h["Access-Control-Allow-Origin"], "*");
    EXPECT_EQ(h.count("Access-Control-Allow-Credentials"), 0u);
}

TEST(Cors, ListedOriginsOnly) {
    cria::CorsPolicy policy;
    policy.origins = {"https://a.example"};
    const auto listed = cria::decide_cors(policy, "https://a.example", true, "authorization, content-type");
    EXPECT_TRUE(listed.allowed);
    auto h = headers_of(listed);
    EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://a.example");
    EXPECT_EQ(h["Access-Control-Allow-Methods"], "GET, POST, OPTIONS");
    EXPECT_EQ(h["Access-Control-Allow-Headers"], "authorization, content-type");  // "*" echoes what was asked

    const auto other = cria::decide_cors(policy, "https://evil.example", true);
    EXPECT_FALSE(other.allowed);
    EXPECT_TRUE(other.headers.empty());
    // Same host, other scheme: a different origin.
    EXPECT_FALSE(cria::decide_cors(policy, "http://a.example", false).allowed);
}

TEST(Cors, RequestsWithoutOrigin) {
    cria::CorsPolicy policy;
    EXPECT_EQ(headers_of(cria::decide_cors(policy, "", false))["Access-Control-Allow-Origin"], "*");
    policy.origins = {"https://a.example"};
    const auto d = cria::decide_cors(policy, "", false);
    EXPECT_TRUE(d.allowed);  // curl and servers are not subject to CORS
    EXPECT_TRUE(d.headers.empty());
}

TEST(Cors, ExplicitHeadersAreNotEchoed) {
    cria::CorsPolicy policy;
    policy.headers = "Authorization, Content-Type";
    auto h = headers_of(cria::decide_cors(policy, "http://x", true, "x-custom"));
    EXPECT_EQ(h["Access-Control-Allow-Headers"], "Authorization, Content-Type");
}

TEST(Cors, LocalhostModeAllowsOnlyThisMachinesPages) {
    cria::CorsPolicy policy;
    policy.origins = {"localhost"};
    for (const char* origin : {"http://localhost", "http://localhost:5173", "https://127.0.0.1:8443", "http://[::1]:3000"}) {
        const auto d = cria::decide_cors(policy, origin, true);
        EXPECT_TRUE(d.allowed) << origin;
        EXPECT_EQ(headers_of(d)["Access-Control-Allow-Origin"], origin);
    }
    for (const char* origin : {"http://localhost.evil.example", "http://evil.example", "http://127.0.0.1.evil:80",
                               "http://localhost:80/x", "localhost"}) {
        EXPECT_FALSE(cria::decide_cors(policy, origin, false).allowed) << origin;
    }
}

}  // namespace
