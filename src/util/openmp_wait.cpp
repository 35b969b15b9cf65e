#include "util/openmp_wait.h"

#include <unistd.h>

#include <cstdlib>

namespace cria {

bool wants_short_openmp_spin(const char* omp_wait_policy, const char* gomp_spincount) {
    return omp_wait_policy == nullptr && gomp_spincount == nullptr;
}

void use_short_openmp_spin(char** argv) {
    if (!wants_short_openmp_spin(std::getenv("OMP_WAIT_POLICY"), std::getenv("GOMP_SPINCOUNT"))) return;
    // Set before the exec, so the new image finds it and does not come back here.
    if (setenv("GOMP_SPINCOUNT", kOpenmpSpinCount, 1) != 0) return;
    execv("/proc/self/exe", argv);
    // Still here: the exec failed (no /proc, say). Run with libgomp's defaults, as before.
}

}  // namespace cria
