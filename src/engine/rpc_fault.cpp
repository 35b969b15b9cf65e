#include "engine/rpc_fault.h"

#include <dlfcn.h>
#include <ggml.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "engine/rpc_workers.h"

namespace cria {

namespace {

constexpr int kInterruptSignal = SIGUSR2;

std::atomic<pid_t> g_engine_tid{0};
pthread_t g_engine_thread;            // written before g_engine_tid is published
std::atomic<bool> g_fault{false};     // a connection was lost and the engine has not reloaded yet
std::atomic<bool> g_taken{false};     // the engine has stopped using the lost connections
std::atomic<int> g_generation{0};     // rearms so far: a dispatcher thread of an older one just ends
std::mutex g_message_mutex;
std::string g_message;
std::vector<std::string> g_endpoints;  // written once, before any connection

bool from_ggml_rpc(const char* message) { return std::strstr(message, "ggml-rpc") != nullptr; }

void record_fault(const char* message) {
    {
        std::lock_guard<std::mutex> lock(g_message_mutex);
        if (!g_fault.load()) g_message = message;
    }
    g_fault = true;
}

// On a dispatcher thread: keeps interrupting the engine thread until it has taken the fault.
[[noreturn]] void interrupt_engine_then_end_thread(int generation) {
    while (!g_taken.load() && g_generation.load() == generation) {
        pthread_kill(g_engine_thread, kInterruptSignal);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pthread_exit(nullptr);
}

void on_ggml_abort(const char* message) {
    if (!from_ggml_rpc(message) || g_engine_tid.load() == 0) {
        std::fprintf(stderr, "%s\n", message);  // not a lost worker (or no engine yet): ggml aborts next
        return;
    }
    const int generation = g_generation.load();
    record_fault(message);
    if (gettid() == g_engine_tid.load()) throw RpcWorkerLost(message);
    interrupt_engine_then_end_thread(generation);
}

// Whether the engine thread was interrupted inside libc's syscall(): libstdc++ waits on a future's
// futex through it, and unwinding from there only leaves ggml's half-made call, which is leaked.
bool interrupted_in_syscall(const void* context) {
    const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
    const auto ip = reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
    const auto ip = reinterpret_cast<void*>(uc->uc_mcontext.pc);
#else
    (void)uc;
    const void* ip = nullptr;  // unknown architecture: never throw from the handler
#endif
    Dl_info info{};
    return ip != nullptr && dladdr(ip, &info) != 0 && info.dli_sname != nullptr &&
           std::strcmp(info.dli_sname, "syscall") == 0;
}

void on_interrupt(int, siginfo_t*, void* context) {
    // Every wait on a dead dispatcher until the engine acknowledges: a step may reach a second one
    // (another sequence's decode, a draft) before it returns to the engine.
    if (!g_fault.load() || g_taken.load() || !interrupted_in_syscall(context)) return;
    throw RpcWorkerLost(rpc_fault_message());
}

}  // namespace

void install_rpc_fault_trap() {
    static std::once_flag installed;
    std::call_once(installed, [] {
        struct sigaction action {};
        action.sa_sigaction = on_interrupt;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;  // NODEFER: the throw skips sigreturn
        sigaction(kInterruptSignal, &action, nullptr);
        ggml_set_abort_callback(on_ggml_abort);
    });
}

void set_rpc_engine_thread() {
    g_engine_thread = pthread_self();
    g_engine_tid = gettid();
}

bool rpc_fault_pending() { return g_fault.load(); }

std::string rpc_fault_message() {
    std::lock_guard<std::mutex> lock(g_message_mutex);
    return g_message;
}

void watch_rpc_endpoints(const std::vector<std::string>& endpoints) { g_endpoints = endpoints; }

std::string lost_worker_message() {
    std::string down;
    for (const auto& endpoint : g_endpoints) {
        if (!rpc_worker_answers(endpoint, 200)) down += (down.empty() ? "" : ", ") + endpoint;
    }
    const std::string what = down.empty() ? "the connection to an RPC worker was lost (" + rpc_fault_message() + ")"
                                          : "the RPC worker " + down + " is unreachable";
    return what + "; the request failed and the server reloads the model once every worker answers";
}

void acknowledge_rpc_fault() { g_taken = true; }

void rearm_rpc_fault_trap() {
    ++g_generation;
    g_taken = false;
    g_fault = false;
}

}  // namespace cria
