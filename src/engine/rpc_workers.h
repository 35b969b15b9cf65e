// RpcWorkers: the --rpc workers (ggml-rpc-server processes) as ggml backend devices.
//
// ggml's RPC backend is a plugin (libggml-rpc.so, loaded by ggml_backend_load_all); its
// ggml_backend_rpc_add_server is reached through the registry's proc address. add_server connects
// at once and aborts the process when the worker does not answer, so every connection is preceded
// by a plain TCP probe: an unreachable worker is an error that names it.
//
// Reconnecting: ggml caches one connection (and its dispatcher thread) per endpoint string, and the
// leaked objects of a lost model keep the dead one alive (see rpc_fault.h). Each connect() after the
// first therefore names the same worker by a new string: the port with one more leading zero
// ("host:050052" is port 50052 to ggml's parser, and a new key to its cache). The devices of each
// generation get new ggml names (RPC0, RPC1, ...); -dev and /props keep using the first ones.
#pragma once

#include <ggml-backend.h>

#include <string>
#include <vector>

namespace cria {

// Any thread: whether a TCP connection to "host:port" is accepted within timeout_ms (no data sent).
bool tcp_endpoint_reachable(const std::string& endpoint, int timeout_ms);

// Whether the worker at `endpoint` is up, for the degraded-health reports: a probe within
// `timeout_ms`, and when that fails, one more within at least a second. A ggml-rpc-server serves one
// client at a time and queues other connections in a short backlog: a surviving worker still
// finishing with the abandoned model's connection drops new probes for a moment, which must not
// name it as lost. A dead worker refuses at once, so its second probe costs nothing.
bool rpc_worker_answers(const std::string& endpoint, int timeout_ms);

// "host:port" with a host and a port in 1..65535 (IPv6 as [addr]:port). False with *error naming it.
bool valid_rpc_endpoint(const std::string& endpoint, std::string* error);

class RpcWorkers {
public:
    RpcWorkers() = default;
    explicit RpcWorkers(std::vector<std::string> endpoints) : endpoints_(std::move(endpoints)) {}

    bool empty() const { return endpoints_.empty(); }
    const std::vector<std::string>& endpoints() const { return endpoints_; }

    // Engine thread. Probes every worker, then connects to each and registers its devices with
    // ggml. False with *error naming the first worker that does not answer. May throw
    // RpcWorkerLost if a worker goes away between its probe and its connection.
    bool connect(std::string* error);

    // The current connections' devices, in --rpc order (a worker may offer several).
    const std::vector<ggml_backend_dev_t>& devices() const { return devices_; }
    // The current device that -dev calls `name` (the first connection's ggml name), or null.
    ggml_backend_dev_t device_named(const std::string& name) const;
    // What /props and the logs call a device: its first ggml name and its worker, e.g.
    // "RPC0 (127.0.0.1:50052)"; other devices as "NAME (description)".
    std::string display_name(const std::string& ggml_name) const;
    // Whether a ggml device belongs to any generation of these workers.
    bool owns(ggml_backend_dev_t dev) const;

    // Engine thread, after a lost connection: shuts down (never closes: the leaked objects still
    // own the descriptors) every connection this process holds to a worker, so that the workers
    // still running free what the abandoned model held there. Call before connect() makes new ones.
    void shut_down_connections() const;

    // Any thread: the workers that do not accept a TCP connection now.
    std::vector<std::string> unreachable(int timeout_ms) const;

private:
    std::vector<std::string> endpoints_;
    int generation_ = 0;  // connections made so far
    std::vector<ggml_backend_dev_t> devices_;
    std::vector<std::string> first_names_;     // per device index: its name in the first generation
    std::vector<std::string> device_workers_;  // per device index: its worker's endpoint
    std::vector<ggml_backend_dev_t> every_device_;  // of all generations
};

}  // namespace cria
