#include "engine/cpu_threadpool.h"

#include <ggml-backend.h>
#include <ggml-cpu.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <utility>

#include "util/cpu_set.h"
#include "util/log.h"

namespace cria {

static_assert(util::kMaxCpus == GGML_MAX_N_THREADS, "util::CpuSet must have the size of ggml's cpumask");

namespace {

using ThreadpoolNew = decltype(&ggml_threadpool_new);
using ThreadpoolFree = decltype(&ggml_threadpool_free);

// ggml's CPU backend is a module loaded at run time (one per CPU generation, by
// ggml_backend_load_all), so its functions are looked up in the backend registry, not linked.
void* cpu_backend_function(const char* name) {
    ggml_backend_reg_t reg = ggml_backend_reg_by_name("CPU");
    return reg == nullptr ? nullptr : ggml_backend_reg_get_proc_address(reg, name);
}

util::CpuSet cpus_of(const CpuPlacement& p) {
    util::CpuSet cpus;  // the option parser has checked both texts
    if (!p.mask.empty()) util::add_cpu_mask(p.mask, &cpus);
    if (!p.range.empty()) util::add_cpu_range(p.range, &cpus);
    return cpus;
}

// The CPUs this process may run on (all, if the system will not say).
util::CpuSet allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    util::CpuSet out;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return out.set();
    for (size_t cpu = 0; cpu < util::kMaxCpus && cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) out.set(cpu);
    }
    return out;
}

// Above normal, ggml gives compute threads a real-time policy (SCHED_FIFO). Without the privilege
// to, it would warn at every computation; so this tries it once on this thread, then puts it back.
bool may_raise_thread_priority() {
    int policy = 0;
    sched_param old{};
    if (pthread_getschedparam(pthread_self(), &policy, &old) != 0) return false;
    sched_param trial{};
    trial.sched_priority = sched_get_priority_max(SCHED_FIFO);
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &trial) != 0) return false;
    pthread_setschedparam(pthread_self(), policy, &old);
    return true;
}

const char* priority_name(ggml_sched_priority prio) {
    switch (prio) {
        case GGML_SCHED_PRIO_LOW: return "low";
        case GGML_SCHED_PRIO_MEDIUM: return "medium";
        case GGML_SCHED_PRIO_HIGH: return "high";
        case GGML_SCHED_PRIO_REALTIME: return "realtime";
        default: return "normal";
    }
}

// What cannot be done as asked is said once, at load, and the rest goes ahead.
void check_feasible(const util::CpuSet& cpus, const std::string& role, ggml_threadpool_params* params) {
    const util::CpuSet usable = cpus & allowed_cpus();
    if (cpus.any() && usable.none()) {
        log_warn("CPU placement of the threads of " + role + ": none of CPUs " + util::cpu_list(cpus) +
                 " is available to this process (" + util::cpu_list(allowed_cpus()) +
                 "): they run where the system puts them");
    } else if (params->strict_cpu && usable.count() < static_cast<size_t>(params->n_threads)) {
        log_warn("CPU placement of the threads of " + role + ": " + std::to_string(params->n_threads) + " threads on " +
                 std::to_string(usable.count()) + " CPU(s): some share a CPU");
    }
}

// Pools above normal priority that this process may not raise to run at normal, said once.
void lower_unpermitted_priority(ggml_threadpool_params* generation, ggml_threadpool_params* batched,
                                const std::string& model) {
    const ggml_sched_priority highest = std::max(generation->prio, batched->prio);
    if (highest <= GGML_SCHED_PRIO_NORMAL || may_raise_thread_priority()) return;
    log_warn(std::string("thread priority ") + priority_name(highest) + " for " + model +
             ": not permitted (needs CAP_SYS_NICE or root); its threads run at normal priority");
    generation->prio = std::min(generation->prio, GGML_SCHED_PRIO_NORMAL);
    batched->prio = std::min(batched->prio, GGML_SCHED_PRIO_NORMAL);
}

ggml_threadpool_params params_for(const CpuPlacement& p, int32_t n_threads, const std::string& role) {
    ggml_threadpool_params params = ggml_threadpool_params_default(n_threads);
    const util::CpuSet cpus = cpus_of(p);
    for (size_t cpu = 0; cpu < util::kMaxCpus; ++cpu) params.cpumask[cpu] = cpus.test(cpu);
    params.strict_cpu = p.strict.value_or(0) != 0;
    params.prio = static_cast<ggml_sched_priority>(p.prio.value_or(GGML_SCHED_PRIO_NORMAL));
    if (p.poll) params.poll = static_cast<uint32_t>(*p.poll);
    check_feasible(cpus, role, &params);
    return params;
}

void log_pool(const ggml_threadpool_params& params, const std::string& model, const std::string& role) {
    util::CpuSet cpus;
    for (size_t cpu = 0; cpu < util::kMaxCpus; ++cpu) cpus.set(cpu, params.cpumask[cpu]);
    const std::string where = cpus.any() ? "CPUs " + util::cpu_list(cpus) + (params.strict_cpu ? " (strict)" : "")
                                         : "any CPU";
    log_info("CPU threads of " + model + " (" + role + "): " + std::to_string(params.n_threads) + " on " + where + ", priority " +
             priority_name(params.prio) + ", poll " + std::to_string(params.poll));
}

}  // namespace

CpuThreadpools::~CpuThreadpools() { release(); }

CpuThreadpools::CpuThreadpools(CpuThreadpools&& other) noexcept
    : generation_(std::exchange(other.generation_, nullptr)),
      batch_(std::exchange(other.batch_, nullptr)),
      free_(other.free_) {}

CpuThreadpools& CpuThreadpools::operator=(CpuThreadpools&& other) noexcept {
    if (this != &other) {
        release();
        generation_ = std::exchange(other.generation_, nullptr);
        batch_ = std::exchange(other.batch_, nullptr);
        free_ = other.free_;
    }
    return *this;
}

void CpuThreadpools::release() {
    if (batch_ != nullptr) free_(batch_);
    if (generation_ != nullptr) free_(generation_);
    batch_ = nullptr;
    generation_ = nullptr;
}

bool CpuThreadpools::attach(llama_context* context, const CpuPlacement& placement, const CpuPlacement& batch,
                            const std::string& model, std::string* error) {
    if (!placement.given() && !batch.given()) return true;
    const auto make = reinterpret_cast<ThreadpoolNew>(cpu_backend_function("ggml_threadpool_new"));
    const auto unmake = reinterpret_cast<ThreadpoolFree>(cpu_backend_function("ggml_threadpool_free"));
    if (make == nullptr || unmake == nullptr) {
        *error = "CPU thread placement (-C, -Cr, --cpu-strict, --prio, --poll): ggml's CPU backend offers no thread pools";
        return false;
    }
    release();
    free_ = unmake;
    ggml_threadpool_params generation = params_for(placement, llama_n_threads(context), model + " (generation)");
    ggml_threadpool_params batched = params_for(inherited(batch, placement), llama_n_threads_batch(context), model + " (batch)");
    lower_unpermitted_priority(&generation, &batched, model);
    const bool shared = ggml_threadpool_params_match(&generation, &batched);
    generation_ = make(&generation);
    if (!shared) batch_ = make(&batched);
    if (generation_ == nullptr || (!shared && batch_ == nullptr)) {
        release();
        *error = "CPU thread placement: ggml could not make a thread pool";
        return false;
    }
    llama_attach_threadpool(context, generation_, batch_);
    log_pool(generation, model, shared ? "generation and batches" : "generation");
    if (!shared) log_pool(batched, model, "batch");
    return true;
}

}  // namespace cria
