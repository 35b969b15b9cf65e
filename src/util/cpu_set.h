// CPU sets as llama-server's -C (a hexadecimal mask) and -Cr (a "lo-hi" range) write them. Pure
// parsing, bounded: ggml places threads on CPUs 0 to kMaxCpus - 1 at most (its GGML_MAX_N_THREADS,
// the size of ggml_threadpool_params::cpumask; engine/cpu_threadpool.cpp checks the two agree).
#pragma once

#include <bitset>
#include <cstddef>
#include <string>

namespace cria::util {

inline constexpr size_t kMaxCpus = 512;
using CpuSet = std::bitset<kMaxCpus>;

// Adds the CPUs of a hexadecimal mask ("0x" optional): its last digit holds CPUs 0-3, the one
// before it 4-7, and so on, up to kMaxCpus / 4 digits. Returns "" or why `text` is not such a mask
// (then *cpus is unchanged).
std::string add_cpu_mask(const std::string& text, CpuSet* cpus);

// Adds the CPUs lo to hi, both included, of "lo-hi" (lo omitted: 0; hi omitted: kMaxCpus - 1).
// Returns "" or why `text` is not such a range (then *cpus is unchanged).
std::string add_cpu_range(const std::string& text, CpuSet* cpus);

// The set as Linux lists CPUs (/proc/PID/status, Cpus_allowed_list): "0,2-5,8"; "" when empty.
std::string cpu_list(const CpuSet& cpus);

}  // namespace cria::util
