#include "http/listen_socket.h"

#include <sys/socket.h>

#include <httplib.h>

#include <cerrno>
#include <cstring>

#include "util/log.h"

namespace cria {

bool bind_listening_socket(httplib::Server& server, const std::string& host, int port, bool reuse_port) {
    // httplib creates one socket per address it tries and keeps the first that binds, so the last
    // socket handed to the options callback is the listening one.
    socket_t listening = INVALID_SOCKET;
    server.set_socket_options([&listening, reuse_port](socket_t sock) {
        listening = sock;
        httplib::default_socket_options(sock);
        if (reuse_port) httplib::set_socket_opt(sock, SOL_SOCKET, SO_REUSEPORT, 1);
    });
    const bool bound = server.bind_to_port(host, port);
    server.set_socket_options(httplib::default_socket_options);  // `listening` goes out of scope
    if (!bound) return false;
    if (listening != INVALID_SOCKET && ::listen(listening, kListenBacklog) != 0) {
        log_warn("could not raise the listen backlog to " + std::to_string(kListenBacklog) + ": " +
                             std::strerror(errno) + " (bursts of new connections may be dropped)");
    }
    return true;
}

}  // namespace cria
