// The few libllama functions cria uses that its public header (llama.h) does not declare.
//
// Why: multi-token prediction (--spec-type draft-mtp, mtp_drafter.h) needs the main model's hidden
// state at each position, which llama.h has no accessor for. libllama 0.7 (Debian libllama-dev
// 0.7, libllama.so.0) keeps the accessors in its private staging header (llama-ext.h) and exports
// them as C++ functions (mangled names), as its own llama-server uses them. The declarations below
// must match those exactly: the linker finds them by their C++ signatures, so a libllama that
// changes one fails to link (or to load) rather than misbehaving. MtpDrafter::create() checks at
// start-up that they behave (hidden rows present, of the model's output width).
//
// Declared nowhere else; only mtp_drafter.cpp and dflash_drafter.cpp include this.
#pragma once

#include <cstdint>

struct llama_context;

// Whether the context keeps each decoded row's "nextn" hidden state (the input the model's NextN
// layers take): `masked` keeps only the rows with logits requested, else every row of the batch.
// (In 0.7, masked mode keeps the batch's first rows instead whenever some rows have no logits:
// mtp_drafter.cpp uses unmasked mode only.)
void llama_set_embeddings_nextn(llama_context* ctx, bool value, bool masked);

// The kept hidden states of the last decode: n_embd_out floats per row, rows in batch order.
float* llama_get_embeddings_nextn(llama_context* ctx);

// Row `i` of the last decode's batch (for a masked context: an index with logits); null if none.
float* llama_get_embeddings_nextn_ith(llama_context* ctx, int i);

// DFlash drafting (--spec-type draft-dflash, dflash_drafter.h) reads hidden states the main model
// computes inside its layers, and what the draft model was trained on. Declared as libllama 0.7's
// own llama-server uses them (exported C++ functions of its private llama-ext.h).
struct llama_model;

// Whether the context keeps, for every row of each decode, the input of layer `il` (n_embd floats per
// row, rows in batch order), and those of the last decode (null if not kept).
void llama_set_embeddings_layer_inp(llama_context* ctx, uint32_t il, bool value);
float* llama_get_embeddings_layer_inp(llama_context* ctx, uint32_t il);

// A DFlash (or EAGLE-3) draft model's dflash.target_layers: the main model's layers whose inputs it reads.
const int32_t* llama_model_target_layer_ids(const llama_model* model);
uint32_t llama_model_target_layer_ids_n(const llama_model* model);

// A DFlash2 draft's candidate selector width (0: a plain DFlash draft).
int32_t llama_model_dflash_selector_top_k(const llama_model* model);
