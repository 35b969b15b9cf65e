// The backend devices ggml offers (CPU, GPUs, ...): loading its backend plugins once, and the list
// --list-devices prints. Llama-free header: main.cpp uses it before any model is loaded.
#pragma once

#include <string>
#include <vector>

namespace cria {

// Loads ggml's backend plugins (Debian's ggml has one CPU build per instruction set, and GPU
// backends where installed) and initialises libllama, once per process. Thread-safe.
void init_backends();

// One line per device, as --list-devices prints it: "  NAME: description (free of total MiB)".
std::vector<std::string> backend_device_list();

}  // namespace cria
