// The RPC fault trap: how a lost ggml RPC worker becomes failed requests instead of a dead process.
//
// What ggml does (libggml-rpc, protocol 8, Debian ggml 0.27; read from its behaviour here): each
// worker connection has a dispatcher thread of its own. When a send or a receive on it fails (the
// worker died, was killed, or reset the connection), that thread calls GGML_ABORT("Remote RPC
// server crashed or returned malformed response"), while the engine thread waits inside
// llama_decode, on a std::future, for a reply that will never come. ggml_abort ends the process.
//
// The trap (install_rpc_fault_trap):
//  1. ggml's abort callback, on a dispatcher thread, records the fault, then interrupts the engine
//     thread with a signal until the engine acknowledges the fault, then ends the dispatcher thread
//     (pthread_exit: ggml_abort must not return, and the connection is dead anyway).
//  2. The signal's handler, on the engine thread, throws RpcWorkerLost only when the signal
//     interrupted libc's syscall() (libstdc++'s futex wait for the future, where the engine thread
//     blocks on a dispatcher): a point where unwinding is safe. Anywhere else it returns and the
//     signal comes again a few milliseconds later.
//  3. The exception leaves llama_decode; the scheduler's containment fails the requests of the batch
//     with its message; the scheduler then sees rpc_fault_pending() and stops; the engine reloads
//     the model once every worker answers again (engine/rpc_recovery.cpp).
//  An abort raised on the engine thread itself (e.g. while connecting to a worker) throws directly.
//  Aborts that do not come from ggml-rpc keep ggml's behaviour: the message, then abort().
//
// After a fault, whatever was made over the lost connections (model, context, scheduler) is leaked,
// never freed: freeing it would queue commands to a dispatcher thread that no longer runs, and wait
// for them forever.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace cria {

// Thrown on the engine thread out of the libllama call that was waiting for a lost worker.
class RpcWorkerLost : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Installs ggml's abort callback and the engine-interrupt signal's handler (SIGUSR2). Once per
// process; call before any RPC worker is connected. Thread-safe.
void install_rpc_fault_trap();

// Makes the calling thread the engine thread: the one thread the trap interrupts and throws on.
void set_rpc_engine_thread();

// Any thread: whether a worker connection was lost since the last rearm_rpc_fault_trap(), and ggml's
// message about it.
bool rpc_fault_pending();
std::string rpc_fault_message();

// The workers to name when a connection is lost (--rpc, in order). Call before connecting.
void watch_rpc_endpoints(const std::vector<std::string>& endpoints);

// Any thread: the error a request fails with when a worker connection is lost: which workers do
// not answer now (a TCP probe), or ggml's message when they all do (one was restarted already).
std::string lost_worker_message();

// Engine thread: the engine has stopped using the lost connections; dispatcher threads that are still
// waiting to interrupt it may end.
void acknowledge_rpc_fault();

// Engine thread, after the model is loaded again over new connections: the next fault is a new one.
void rearm_rpc_fault_trap();

}  // namespace cria
