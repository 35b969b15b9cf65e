// The router's start-up: main.cpp hands over here when the options ask for a router (see
// wants_router). Everything the router runs is below this file; it never loads a model itself.
#pragma once

#include "options/server_options.h"

namespace cria::router {

// Router mode (--models-dir / --models-preset without a model), or one model that sleeps when
// idle (-m ... --sleep-idle-seconds N): the model then runs in a child process that the router
// stops after N idle seconds and starts again on the next request, while the router keeps
// listening (so /health stays 200 and /props says is_sleeping).
bool wants_router(const ServerOptions& options);

// Runs the router until SIGINT or SIGTERM; the process's exit status. `argv` is main's: the
// children get its options, less the router's own (option_arguments.h).
int run_router(const ServerOptions& options, int argc, char** argv);

}  // namespace cria::router
