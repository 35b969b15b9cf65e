// Starting and probing the child processes of the router: one `cria -m FILE --host 127.0.0.1
// --port P ...` per loaded model. POSIX only; no HTTP server here (the probe is a client).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace cria::router {

struct ChildLaunch {
    std::string executable;                 // the cria binary (/proc/self/exe)
    std::vector<std::string> args;          // argv[1..]
    std::vector<std::string> unset_env;     // variables removed from the child's environment
};

// Forks and execs `launch`. The child gets its own process group (a terminal's ^C reaches the
// router, which stops the children itself), an empty signal mask, and SIGTERM when the thread that
// started it ends (the router's supervising thread lives as long as the child, so a router that
// dies takes its children with it). Returns the pid, or -1 with *error.
pid_t spawn_child(const ChildLaunch& launch, std::string* error);

// A port on 127.0.0.1 that was free a moment ago (0 when none could be found). The child binds it
// itself; the short race with another process is reported as a failed load.
int free_loopback_port();

// GET http://127.0.0.1:port/health answered 200 (the child's model is loaded).
bool child_is_ready(int port);

// "exit status 1", "killed by signal 9 (Killed)": a waitpid() status in words.
std::string describe_exit(int status);

}  // namespace cria::router
