// How ggml's CPU compute threads wait for each other, unless the user has said.
//
// Debian's ggml CPU backend is built with OpenMP (libgomp). Its compute threads meet at a barrier
// after every node of the graph, a few hundred times per llama_decode, and libgomp's default is to
// spin at a barrier for 300,000 rounds before sleeping. That is right for a machine that runs
// nothing else. On one whose cores are shared with other busy processes (a build, another
// server, a second cria), the thread that arrives first spins through its time slice while the
// one it waits for is not running, at every barrier: on the 2-core test machine, 4 parallel
// requests went from ~30 ms per token to 1,100-1,300 ms per token while two compiler processes
// ran, in cria and llama-server alike. With a short spin (GOMP_SPINCOUNT=1000: then sleep) the
// same load gave 44-49 ms per token, and an idle machine showed no difference we could measure
// (docs/benchmarks.md, "CPU threads on a shared machine").
//
// libgomp reads its settings once, when it is loaded, which is before main() (cria links it
// through libggml). So the setting takes effect by executing cria again, once, with it in the
// environment: same process id, same arguments. A user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT is
// left alone, and so is a run where /proc/self/exe cannot be executed (cria then runs as it is).
#pragma once

namespace cria {

// The spin count cria sets (GOMP_SPINCOUNT).
inline constexpr const char* kOpenmpSpinCount = "1000";

// Whether cria should set GOMP_SPINCOUNT, given the values of OMP_WAIT_POLICY and GOMP_SPINCOUNT
// in its environment (null when unset): only when the user set neither.
bool wants_short_openmp_spin(const char* omp_wait_policy, const char* gomp_spincount);

// First thing in main(): when wants_short_openmp_spin() says so, sets GOMP_SPINCOUNT and executes
// /proc/self/exe again with `argv`. Returns only when nothing was to be done or the exec failed.
void use_short_openmp_spin(char** argv);

}  // namespace cria
