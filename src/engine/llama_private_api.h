// The few libllama functions cria uses that its public header (llama.h) does not declare.
//
// Why: multi-token prediction (--spec-type draft-mtp, mtp_head.h) and EAGLE-3 (draft-eagle3,
// eagle3_head.h) need the main model's hidden states at each position, which llama.h has no
// accessor for. libllama 0.7 (Debian libllama-dev 0.7, libllama.so.0) keeps the accessors in its
// private staging header (llama-ext.h) and exports them as C++ functions (mangled names), as its
// own llama-server uses them. The declarations below
// must match those exactly: the linker finds them by their C++ signatures, so a libllama that
// changes one fails to link (or to load) rather than misbehaving. HiddenStateDrafter::create()
// checks at start-up that they behave (hidden rows present, a draft decodes with them).
//
// Declared nowhere else; only the drafting heads (hidden_state_drafter.cpp, mtp_head.cpp,
// eagle3_head.cpp) and dflash_drafter.cpp include this.
#pragma once

#include <cstdint>

struct llama_context;
struct llama_model;

// Whether the context keeps each decoded row's "nextn" hidden state (the input the model's NextN
// layers take): `masked` keeps only the rows with logits requested, else every row of the batch.
// (In 0.7, masked mode keeps the batch's first rows instead whenever some rows have no logits:
// the heads use unmasked mode only.)
void llama_set_embeddings_nextn(llama_context* ctx, bool value, bool masked);

// The kept hidden states of the last decode: n_embd_out floats per row, rows in batch order.
float* llama_get_embeddings_nextn(llama_context* ctx);

// Row `i` of the last decode's batch (for a masked context: an index with logits); null if none.
float* llama_get_embeddings_nextn_ith(llama_context* ctx, int i);

// Whether the context keeps the input of layer `layer` (the residual stream before it) for every
// row of each decode (n_embd floats per row, rows in batch order), and those of the last decode
// (null if not kept). EAGLE-3 and DFlash drafts read some of them.
void llama_set_embeddings_layer_inp(llama_context* ctx, uint32_t layer, bool value);
float* llama_get_embeddings_layer_inp(llama_context* ctx, uint32_t layer);

// An EAGLE-3 or DFlash draft model's target layers (GGUF "<arch>.target_layers"): the main model's
// layers whose inputs it reads, a layer count meaning the main model's final hidden state.
const int32_t* llama_model_target_layer_ids(const llama_model* model);
uint32_t llama_model_target_layer_ids_n(const llama_model* model);

// A DFlash2 draft's candidate selector width (0: a plain DFlash draft).
int32_t llama_model_dflash_selector_top_k(const llama_model* model);
