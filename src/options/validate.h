// validate(): every rule that ties options together, in one place. Each option's own value is
// checked by its binding in the option table as it is parsed; what depends on several options (or
// on an option being absent) is checked here, once all of them are in.
#pragma once

#include <string>

#include "options/server_options.h"

namespace cria {

// Checks the rules across options and applies the few that complete a value rather than refuse it.
// Returns "" when the options may run, else a message naming the options involved. Rules:
// - A model: -m, -mu, -hf or -dr ("no model given: use -m FILE, -mu URL, -hf REPO or -dr REPO");
//   -mu, -hf and -dr exclude each other; -hff needs -hf.
// - --ssl-key-file and --ssl-cert-file come together or not at all.
// - --slot-save-path loses its trailing '/'.
// - n_ubatch larger than n_batch is lowered to n_batch (as libllama would), not an error.
// - Speculative decoding: --spec-type none contradicts -md; draft-simple needs -md; -md without
//   --spec-type means draft-simple, and with one that lists no draft-simple is an error; it cannot
//   be combined with self-extend or --embedding; --draft-min <= --draft-max.
// - Self-extend (--grp-attn-n > 1) needs --grp-attn-w to be a multiple of it, one KV stream per
//   slot (not --kv-unified) and no --embedding.
// Not here, because they need more than the options: the -l token ids and libllama's verdict on
// the default grammar (main.cpp, once the vocabulary is loaded), and whether --path and
// --slot-save-path name existing directories (checked when the server binds / at start-up).
std::string validate(ServerOptions& options);

// Whether the options name one model to serve: -m, -mu, -hf or -dr (else router mode may apply).
bool names_a_model(const ServerOptions& options);

}  // namespace cria
