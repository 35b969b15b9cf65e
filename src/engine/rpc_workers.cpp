#include "engine/rpc_workers.h"

#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>

#include "engine/backend_devices.h"

namespace cria {

namespace {

bool split_endpoint(const std::string& endpoint, std::string* host, std::string* port) {
    const size_t colon = endpoint.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == endpoint.size()) return false;
    *host = endpoint.substr(0, colon);
    *port = endpoint.substr(colon + 1);
    if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
    return std::all_of(port->begin(), port->end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool connect_within(const addrinfo* address, int timeout_ms) {
    const int fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) return false;
    bool connected = ::connect(fd, address->ai_addr, address->ai_addrlen) == 0;
    if (!connected && errno == EINPROGRESS) {
        pollfd waiting{fd, POLLOUT, 0};
        int error = 0;
        socklen_t length = sizeof error;
        connected = poll(&waiting, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
                    error == 0;
    }
    close(fd);
    return connected;
}

// The addresses an endpoint resolves to (empty when it does not).
std::vector<sockaddr_storage> addresses_of(const std::string& endpoint) {
    std::vector<sockaddr_storage> out;
    std::string host;
    std::string port;
    if (!split_endpoint(endpoint, &host, &port)) return out;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return out;
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        sockaddr_storage address{};
        std::memcpy(&address, a->ai_addr, std::min<size_t>(a->ai_addrlen, sizeof address));
        out.push_back(address);
    }
    freeaddrinfo(found);
    return out;
}

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
    if (a.ss_family != b.ss_family) return false;
    if (a.ss_family == AF_INET) {
        const auto& x = reinterpret_cast<const sockaddr_in&>(a);
        const auto& y = reinterpret_cast<const sockaddr_in&>(b);
        return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
    }
    if (a.ss_family == AF_INET6) {
        const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
        const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
        return x.sin6_port == y.sin6_port && std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
    }
    return false;
}

// ggml's RPC entry point, from the plugin's registry (null when the plugin is not installed).
using AddServerFn = ggml_backend_reg_t (*)(const char* endpoint);
AddServerFn rpc_add_server() {
    ggml_backend_reg_t reg = ggml_backend_reg_by_name("RPC");
    if (reg == nullptr) return nullptr;
    return reinterpret_cast<AddServerFn>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_rpc_add_server"));
}

// The endpoint ggml is given for a generation: the port with `generation` leading zeros.
std::string endpoint_for(const std::string& endpoint, int generation) {
    const size_t colon = endpoint.rfind(':');
    return endpoint.substr(0, colon + 1) + std::string(static_cast<size_t>(generation), '0') + endpoint.substr(colon + 1);
}

}  // namespace

bool tcp_endpoint_reachable(const std::string& endpoint, int timeout_ms) {
    std::string host;
    std::string port;
    if (!split_endpoint(endpoint, &host, &port)) return false;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
    bool reachable = false;
    for (const addrinfo* a = found; a != nullptr && !reachable; a = a->ai_next) reachable = connect_within(a, timeout_ms);
    freeaddrinfo(found);
    return reachable;
}

bool rpc_worker_answers(const std::string& endpoint, int timeout_ms) {
    return tcp_endpoint_reachable(endpoint, timeout_ms) || tcp_endpoint_reachable(endpoint, std::max(timeout_ms, 1000));
}

bool valid_rpc_endpoint(const std::string& endpoint, std::string* error) {
    std::string host;
    std::string port;
    if (split_endpoint(endpoint, &host, &port) && !host.empty() && port.size() <= 5) {
        const long number = std::stol(port);
        if (number >= 1 && number <= 65535) return true;
    }
    *error = "--rpc: '" + endpoint + "' is not HOST:PORT";
    return false;
}

bool RpcWorkers::connect(std::string* error) {
    init_backends();
    const AddServerFn add_server = rpc_add_server();
    if (add_server == nullptr) {
        *error = "--rpc: ggml's RPC backend is not installed (Debian package libggml0-backend-rpc)";
        return false;
    }
    for (const auto& endpoint : endpoints_) {
        if (!valid_rpc_endpoint(endpoint, error)) return false;
        if (!tcp_endpoint_reachable(endpoint, 3000)) {
            *error = "--rpc: the RPC worker " + endpoint + " is unreachable (no ggml-rpc-server accepts connections there)";
            return false;
        }
    }
    // Every attempt uses new endpoint strings, even after one that failed half-way: a string ggml
    // has seen may name a cached connection (live or dead), whose devices are registered already.
    const int generation = generation_++;
    std::vector<ggml_backend_dev_t> devices;
    std::vector<std::string> workers;
    for (const auto& endpoint : endpoints_) {
        ggml_backend_reg_t reg = add_server(endpoint_for(endpoint, generation).c_str());
        if (reg == nullptr || ggml_backend_reg_dev_count(reg) == 0) {
            *error = "--rpc: the RPC worker " + endpoint + " offers no device";
            return false;
        }
        ggml_backend_register(reg);
        for (size_t i = 0; i < ggml_backend_reg_dev_count(reg); ++i) {
            devices.push_back(ggml_backend_reg_dev_get(reg, i));
            workers.push_back(endpoint);
            every_device_.push_back(devices.back());
        }
    }
    if (generation == 0) {
        for (auto dev : devices) first_names_.push_back(ggml_backend_dev_name(dev));
    } else if (devices.size() != first_names_.size()) {
        *error = "--rpc: the workers now offer " + std::to_string(devices.size()) + " devices, not " +
                 std::to_string(first_names_.size()) + " as at start-up";
        return false;
    }
    devices_ = std::move(devices);
    device_workers_ = std::move(workers);
    return true;
}

ggml_backend_dev_t RpcWorkers::device_named(const std::string& name) const {
    for (size_t i = 0; i < first_names_.size() && i < devices_.size(); ++i) {
        if (first_names_[i] == name) return devices_[i];
    }
    return nullptr;
}

std::string RpcWorkers::display_name(const std::string& ggml_name) const {
    for (size_t i = 0; i < devices_.size(); ++i) {
        if (ggml_backend_dev_name(devices_[i]) == ggml_name) return first_names_[i] + " (" + device_workers_[i] + ")";
    }
    ggml_backend_dev_t dev = ggml_backend_dev_by_name(ggml_name.c_str());
    return dev == nullptr ? ggml_name : ggml_name + " (" + ggml_backend_dev_description(dev) + ")";
}

bool RpcWorkers::owns(ggml_backend_dev_t dev) const {
    return std::find(every_device_.begin(), every_device_.end(), dev) != every_device_.end();
}

void RpcWorkers::shut_down_connections() const {
    std::vector<sockaddr_storage> workers;
    for (const auto& endpoint : endpoints_) {
        for (const auto& address : addresses_of(endpoint)) workers.push_back(address);
    }
    DIR* fds = opendir("/proc/self/fd");
    if (fds == nullptr) return;
    while (const dirent* entry = readdir(fds)) {
        const int fd = std::atoi(entry->d_name);
        struct stat info {};
        if (fd <= 2 || fd == dirfd(fds) || fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) continue;
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;
        for (const auto& worker : workers) {
            if (same_address(peer, worker)) shutdown(fd, SHUT_RDWR);
        }
    }
    closedir(fds);
}

std::vector<std::string> RpcWorkers::unreachable(int timeout_ms) const {
    std::vector<std::string> down;
    for (const auto& endpoint : endpoints_) {
        if (!rpc_worker_answers(endpoint, timeout_ms)) down.push_back(endpoint);
    }
    return down;
}

}  // namespace cria
