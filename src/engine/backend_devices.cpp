#include "engine/backend_devices.h"

#include <ggml-backend.h>
#include <llama.h>

#include <mutex>

namespace cria {

void init_backends() {
    static std::once_flag loaded;
    std::call_once(loaded, [] {
        ggml_backend_load_all();
        llama_backend_init();
    });
}

std::vector<std::string> backend_device_list() {
    init_backends();
    std::vector<std::string> lines;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        size_t free = 0;
        size_t total = 0;
        ggml_backend_dev_memory(dev, &free, &total);
        lines.push_back("  " + std::string(ggml_backend_dev_name(dev)) + ": " + ggml_backend_dev_description(dev) + " (" +
                        std::to_string(free >> 20) + " MiB free of " + std::to_string(total >> 20) + " MiB)");
    }
    return lines;
}

}  // namespace cria
