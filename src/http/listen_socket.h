#pragma once

#include <string>

namespace httplib {
class Server;
}

namespace cria {

// How many connections the kernel queues for accept(). httplib listens with a backlog of 5, fixed
// when the library was built: when more clients connect at once than that (a burst of users, a
// load balancer's pool, or the accept thread briefly off the CPU), the kernel drops the last step
// of their handshakes. Those clients believe they are connected, the server never sees them, and
// after a few retries the kernel forgets them: they wait for an answer that never comes.
constexpr int kListenBacklog = 1024;

// Binds `server` to host:port and raises the socket's listen backlog to kListenBacklog (Linux
// takes a second listen() on a listening socket as a new backlog). With `reuse_port`, several
// processes may listen on the same port (the kernel spreads connections). False when the address
// cannot be bound.
bool bind_listening_socket(httplib::Server& server, const std::string& host, int port, bool reuse_port);

}  // namespace cria
