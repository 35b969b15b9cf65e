// Routes: where route files register their handlers. Every path is put under --api-prefix, so
// route files name their paths as the API documents them ("/completion") and never see the prefix.
#pragma once

#include <string>
#include <utility>

#include <httplib.h>

namespace cria {

// A route's handler as api_route() (http/server_context.h) wraps it, answering whatever it throws
// in the API's error shape: the only kind of handler Routes registers, so that every route has the
// one error path and none catches its own.
class ApiRoute {
public:
    explicit ApiRoute(httplib::Server::Handler handler) : handler_(std::move(handler)) {}
    httplib::Server::Handler handler() const { return handler_; }

private:
    httplib::Server::Handler handler_;
};

class Routes {
public:
    // `prefix` is "" or a validated --api-prefix: '/' then letters, digits and / - _ . ~ only.
    Routes(httplib::Server& server, std::string prefix) : server_(server), prefix_(std::move(prefix)) {}

    void Get(const std::string& path, const ApiRoute& route) { server_.Get(pattern(path), route.handler()); }
    void Post(const std::string& path, const ApiRoute& route) { server_.Post(pattern(path), route.handler()); }
    void Delete(const std::string& path, const ApiRoute& route) { server_.Delete(pattern(path), route.handler()); }

    const std::string& prefix() const { return prefix_; }

private:
    // httplib reads a path with a "/:name" segment literally (its parameters matched by name) and
    // any other path as a regular expression: there, the prefix's '.' must be escaped.
    std::string pattern(const std::string& path) const {
        if (path.find("/:") != std::string::npos) return prefix_ + path;
        std::string escaped;
        for (const char c : prefix_) {
            if (c == '.') escaped += '\\';
            escaped += c;
        }
        return escaped + path;
    }

    httplib::Server& server_;
    std::string prefix_;
};

// The path of a request without the --api-prefix: `path` itself when there is no prefix, "" when
// the path is not under it. The prefix alone maps to "" too (its UI page is `prefix/`).
inline std::string path_under_prefix(const std::string& path, const std::string& prefix) {
    if (prefix.empty()) return path;
    if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0 || path[prefix.size()] != '/') return "";
    return path.substr(prefix.size());
}

}  // namespace cria
