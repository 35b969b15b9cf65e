// make-model: writes a llama-architecture GGUF model with random weights, or (--lora) a LoRA
// adapter GGUF for such a model, or (--rerank) a reranking model with a classification head, or
// (--swa N) a sliding-window gemma3 model, or (--mamba) a recurrent mamba model, or (--mtp N) a
// glm4moe model with N multi-token-prediction (NextN) blocks after its layers, or (--eagle3) an
// EAGLE-3 draft model for the model that the same preset and dimensions describe, or
// (--dflash TARGET) a DFlash block-diffusion draft model for the model in TARGET
// (--spec-type draft-dflash).
//
// The weights come from our own PRNG (splitmix64 + uniform distribution), so a given
// (preset, seed, type, dims) always produces byte-identical files on every machine.
// The vocabulary is a SentencePiece-style ("llama") vocabulary built from a word list
// in this file, so English text tokenizes to roughly one token per word.
//
// The file is written in a streaming fashion: the metadata first (gguf_write_to_file with
// only_meta), then each tensor's data generated and appended one at a time, so peak memory
// is about one tensor (plus its F32 staging copy).

#include <ggml.h>
#include <gguf.h>
#include <llama.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <unistd.h>

#include "generator_common.h"

namespace {

using cria_tools::fnv1a;
using cria_tools::GgmlDeleter;
using cria_tools::GgufDeleter;
using cria_tools::Rng;

// ---------------------------------------------------------------------------------------------
// Vocabulary

// Common English words. Every prefix of each word (with and without the SentencePiece
// space marker, lower case and capitalized) becomes a vocabulary piece.
const char * const kWords[] = {
    // Words that often start a sentence or a chat message come first: the first
    // kBareCapitalized of them also get bare capitalized pieces ("Hello" after a newline).
    "hello", "hi", "hey", "dear", "please", "thanks", "thank", "sorry", "yes", "no", "sure", "okay",
    "what", "how", "why", "who", "where", "when", "which", "can", "could", "would", "should", "write",
    "tell", "explain", "describe", "translate", "summarize", "give", "list", "show", "find", "make",
    "create", "let", "once", "today", "here", "there", "this", "that", "these", "those", "my", "your",
    "our", "we", "you", "he", "she", "they", "it", "is", "are", "do", "does", "did", "in", "on", "at",
    "for", "if", "as", "the", "a", "an", "and", "but", "or", "so", "not", "all", "some", "many", "one",
    "two", "first", "after", "before", "then", "now", "user", "assistant", "system", "question",
    "answer", "example", "note", "also", "however", "because", "good", "great", "new",
    // Everything else, roughly by frequency.
    "the", "be", "to", "of", "and", "a", "in", "that", "have", "it", "for", "not", "on", "with",
    "he", "as", "you", "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her",
    "she", "or", "an", "will", "my", "one", "all", "would", "there", "their", "what", "so", "up",
    "out", "if", "about", "who", "get", "which", "go", "me", "when", "make", "can", "like", "time",
    "no", "just", "him", "know", "take", "people", "into", "year", "your", "good", "some", "could",
    "them", "see", "other", "than", "then", "now", "look", "only", "come", "its", "over", "think",
    "also", "back", "after", "use", "two", "how", "our", "work", "first", "well", "way", "even",
    "new", "want", "because", "any", "these", "give", "day", "most", "us", "is", "are", "was",
    "were", "been", "has", "had", "did", "does", "said", "made", "went", "got", "came", "here",
    "where", "why", "very", "much", "many", "more", "such", "each", "own", "same", "long", "little",
    "great", "old", "big", "high", "small", "large", "next", "early", "young", "important", "few",
    "public", "bad", "able", "last", "right", "left", "best", "better", "sure", "free", "true",
    "false", "full", "real", "open", "close", "hello", "world", "yes", "please", "thank", "thanks",
    "sorry", "help", "question", "answer", "tell", "ask", "call", "try", "need", "feel", "become",
    "leave", "put", "mean", "keep", "let", "begin", "seem", "show", "hear", "play", "run", "move",
    "live", "believe", "hold", "bring", "happen", "write", "provide", "sit", "stand", "lose", "pay",
    "meet", "include", "continue", "set", "learn", "change", "lead", "understand", "watch",
    "follow", "stop", "create", "speak", "read", "allow", "add", "spend", "grow", "offer",
    "remember", "love", "consider", "appear", "buy", "wait", "serve", "die", "send", "expect",
    "build", "stay", "fall", "cut", "reach", "kill", "remain", "quick", "brown", "fox", "jump",
    "jumps", "lazy", "dog", "cat", "bird", "fish", "horse", "tree", "house", "home", "water",
    "fire", "earth", "air", "sun", "moon", "star", "sky", "sea", "river", "mountain", "city",
    "country", "road", "street", "car", "train", "ship", "book", "story", "word", "name", "number",
    "part", "place", "case", "week", "company", "system", "program", "group", "problem", "fact",
    "hand", "eye", "head", "face", "body", "life", "child", "children", "man", "men", "woman",
    "women", "friend", "family", "mother", "father", "school", "student", "teacher", "room",
    "money", "night", "morning", "evening", "point", "government", "state", "business", "service",
    "end", "line", "side", "kind", "thing", "things", "idea", "example", "information", "power",
    "game", "music", "food", "light", "color", "red", "green", "blue", "black", "white", "yellow",
    "hot", "cold", "warm", "happy", "sad", "strong", "short", "simple", "easy", "hard", "fast",
    "slow", "still", "again", "never", "always", "often", "sometimes", "today", "tomorrow",
    "yesterday", "before", "between", "under", "through", "during", "without", "around", "while",
    "though", "since", "until", "against", "among", "another", "every", "both", "those", "something",
    "nothing", "everything", "someone", "anyone", "why", "maybe", "however", "therefore", "model",
    "language", "text", "token", "server", "request", "response", "data", "file", "code", "test",
    "value", "result", "error", "message", "chat", "user", "assistant", "input", "output", "list",
    "table", "page", "example", "function", "return", "true", "null", "string", "computer",
    "machine", "learning", "network", "memory", "speed", "fox", "once", "upon", "king", "queen",
    "castle", "forest", "dragon", "knight", "princess", "village", "journey", "adventure", "magic",
    "dream", "door", "window", "garden", "flower", "rain", "snow", "wind", "summer", "winter",
    "spring", "autumn", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "hundred", "thousand", "million", "first", "second", "third", "answer", "explain",
    "describe", "write", "translate", "summarize", "count", "capital", "france", "paris", "london",
    "english", "science", "history", "math", "art", "picture", "voice", "sound", "song", "dance",
    "walk", "talk", "eat", "drink", "sleep", "wake", "laugh", "smile", "cry", "think", "thought",
    "told", "found", "gave", "took", "knew", "saw", "felt", "left", "began", "kept", "heard",
    "brought", "wrote", "stood", "ran", "sat", "ago", "away", "down", "off", "above", "below",
    "near", "far", "inside", "outside", "together", "alone", "almost", "enough", "quite", "rather",
    "really", "already", "yet", "soon", "later", "perhaps", "probably", "certainly", "exactly",
};

const size_t kBareCapitalized = 200;

const char * const kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space marker

enum TokenType : int32_t {  // values of llama.cpp's tokenizer.ggml.token_type
    kNormal      = 1,
    kUnknown     = 2,
    kControl     = 3,
    kUserDefined = 4,
    kUnused      = 5,
    kByte        = 6,
};

struct Vocab {
    std::vector<std::string> text;
    std::vector<float> score;
    std::vector<int32_t> type;
    std::unordered_map<std::string, int32_t> index;

    int32_t add(const std::string & piece, float piece_score, int32_t piece_type) {
        auto it = index.find(piece);
        if (it != index.end()) {
            // Keep the best score when a piece is reached from several words.
            score[it->second] = std::max(score[it->second], piece_score);
            return it->second;
        }
        const int32_t id = static_cast<int32_t>(text.size());
        text.push_back(piece);
        score.push_back(piece_score);
        type.push_back(piece_type);
        index.emplace(piece, id);
        return id;
    }

    int32_t size() const { return static_cast<int32_t>(text.size()); }
};

struct SpecialIds {
    int32_t unk, bos, eos, im_start, im_end, fim_pre, fim_suf, fim_mid;
    int32_t first_byte;
};

std::string capitalize(const std::string & w) {
    std::string c = w;
    if (!c.empty() && c[0] >= 'a' && c[0] <= 'z') {
        c[0] = static_cast<char>(c[0] - 'a' + 'A');
    }
    return c;
}

// Scores drive SentencePiece merging in llama.cpp: the adjacent pair whose concatenation is a
// piece with the highest score is merged first. Longer pieces score higher. Any word prefix
// concatenated with the following piece of the same word is again a prefix in the vocabulary,
// so a known word always merges into one token whatever the merge order.
Vocab build_vocab(int32_t n_vocab_target, SpecialIds & ids) {
    Vocab v;
    ids.unk      = v.add("<unk>", 0.0f, kUnknown);
    ids.bos      = v.add("<s>", 0.0f, kControl);
    ids.eos      = v.add("</s>", 0.0f, kControl);
    ids.im_start = v.add("<|im_start|>", 0.0f, kControl);
    ids.im_end   = v.add("<|im_end|>", 0.0f, kControl);
    ids.fim_pre  = v.add("<|fim_prefix|>", 0.0f, kControl);
    ids.fim_suf  = v.add("<|fim_suffix|>", 0.0f, kControl);
    ids.fim_mid  = v.add("<|fim_middle|>", 0.0f, kControl);

    ids.first_byte = v.size();
    for (int b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
        v.add(buf, 0.0f, kByte);
    }

    // Single characters: the space marker, printable ASCII, and the space marker followed by
    // digits and common opening punctuation.
    const std::string sp = kSpace;
    v.add(sp, 1.0f, kNormal);
    for (char c = 0x21; c < 0x7F; ++c) {
        v.add(std::string(1, c), 1.0f, kNormal);
    }
    for (const char * p : {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "(", "\"", "'", "-", "[", "{",
                           "<", "*", "#", "$", "&"}) {
        v.add(sp + p, 2.0f, kNormal);
    }
    for (const char * p : {"...", "--", "->", "==", "!=", "//", "**", "##", "{{", "}}", "()", "\"\"", "''"}) {
        v.add(p, 2.0f, kNormal);
    }
    v.add(sp + sp, 2.0f, kNormal);
    v.add(sp + sp + sp + sp, 4.0f, kNormal);

    // Lower case words get both forms; capitalized words get the space-marker form, and the
    // bare form (start of a line, after a quote) only for the most common words, which lead
    // the list. That keeps the vocabulary (and so the tiny model) small.
    size_t word_index = 0;
    for (const char * word : kWords) {
        const std::string lower = word;
        const std::string upper = capitalize(lower);
        for (size_t k = 1; k <= lower.size(); ++k) {
            v.add(sp + lower.substr(0, k), static_cast<float>(k + 1), kNormal);
            v.add(lower.substr(0, k), static_cast<float>(k), kNormal);
            v.add(sp + upper.substr(0, k), static_cast<float>(k + 1), kNormal);
            if (word_index < kBareCapitalized) {
                v.add(upper.substr(0, k), static_cast<float>(k), kNormal);
            }
        }
        ++word_index;
    }

    if (n_vocab_target > 0) {
        if (n_vocab_target < v.size()) {
            throw std::runtime_error("--n-vocab " + std::to_string(n_vocab_target) +
                                     " is smaller than the built-in vocabulary (" + std::to_string(v.size()) + ")");
        }
        // Filler pieces: pronounceable pseudo-words from a fixed generator (independent of
        // --seed, so every model with the same vocabulary size shares the tokenizer).
        const char * consonants = "bcdfghjklmnprstvwz";
        const char * vowels = "aeiou";
        Rng rng(0xC0FFEEull);
        while (v.size() < n_vocab_target) {
            std::string w;
            const uint32_t syllables = 1 + rng.below(4);
            for (uint32_t s = 0; s < syllables; ++s) {
                w += consonants[rng.below(18)];
                w += vowels[rng.below(5)];
                if (rng.below(3) == 0) {
                    w += consonants[rng.below(18)];
                }
            }
            const std::string piece = (rng.below(4) == 0) ? w : sp + w;
            if (v.index.count(piece) == 0) {
                v.add(piece, -1.0f - 0.001f * static_cast<float>(v.size() % 1000), kNormal);
            }
        }
    }
    return v;
}

// ---------------------------------------------------------------------------------------------
// Configuration

struct Config {
    std::string out;
    std::string chat_template;  // --chat-template-file: the template's text ("" = the built-in ChatML one)
    std::string preset = "tiny";
    uint64_t seed = 42;
    std::string type;  // f32 | f16 | q8_0; preset default when empty
    int32_t n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, n_ff = 0, n_ctx_train = 0, n_vocab = 0;
    float rope_freq_base = 10000.0f;
    float rms_eps = 1e-5f;
    float out_gain = 12.0f;  // std of the output logits for a unit-RMS hidden state
    float qk_gain = 1.0f;    // scale of attn_q / attn_k relative to 1/sqrt(n_embd)
    float attn_gain = 0.5f;  // scale of attn_v / attn_output
    float ffn_gain = 0.5f;   // scale of ffn_gate / ffn_up / ffn_down
    float anti_repeat = 0.25f;  // see tensor_data()
    int32_t pooling = -1;  // >= 0: write llama.pooling_type (1 = mean): an embedding model
    // A reranker as libllama knows them: the qwen3 architecture (llama's plus per-head q/k norms),
    // whose rank pooling reads the last token through `cls.output` (n_embd x 2 labels, softmax:
    // the score is the first label's probability), pooling_type 4 (rank).
    bool rerank = false;
    // A sliding-window model (--swa N): the gemma3 architecture (llama's plus per-head q/k norms and
    // norms after attention and after the FFN), every other layer attending to the last N positions
    // only. libllama then gives those layers a small cache of their own that forgets older cells,
    // which is what context checkpoints are for (tests/e2e/context-checkpoints.test.mjs).
    int32_t swa = 0;
    // A recurrent model (--mamba): the mamba architecture (one selective state-space block per layer,
    // no attention), whose state cannot be cut back at all: context checkpoints are all it has.
    bool mamba = false;
    // A model with multi-token prediction (--mtp N): the glm4moe architecture (llama's layers with
    // biased q/k/v projections and the FFN's norm after attention, all dense here), followed by N
    // NextN blocks, each a layer of its own plus the projection that mixes the embedding of token
    // t+1 with the model's hidden state at t. libllama runs them in an MTP context
    // (--spec-type draft-mtp); a plain context skips them.
    int32_t mtp = 0;
    // An EAGLE-3 draft model (--eagle3) for the llama model of these dimensions (the target): one
    // decoder layer over the target's hidden states (see the EAGLE-3 section below).
    bool eagle3 = false;
    // A DFlash draft (--dflash TARGET): see write_dflash().
    std::string dflash_target;
    int32_t dflash_block = 8;
    bool dspark = false;  // --dspark: with DSpark's Markov and confidence heads (--spec-type draft-dspark)
    bool lora = false;        // write a LoRA adapter for the model of these dimensions instead
    int32_t lora_rank = 4;
    float lora_gain = 1.0f;   // the adapter's contribution relative to the base weights' (at scale 1)
    bool check = true;
    bool verbose = false;
};

void apply_preset(Config & c) {
    struct Preset {
        const char * name;
        int32_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx_train, n_vocab;
        const char * type;
    };
    static const Preset presets[] = {
        {"tiny", 32, 2, 4, 4, 128, 4096, 0, "f16"},
        {"small", 256, 4, 8, 4, 768, 4096, 0, "f16"},
        {"bench", 768, 12, 12, 12, 2048, 4096, 32000, "q8_0"},
    };
    for (const Preset & p : presets) {
        if (c.preset == p.name) {
            c.n_embd = p.n_embd;
            c.n_layer = p.n_layer;
            c.n_head = p.n_head;
            c.n_head_kv = p.n_head_kv;
            c.n_ff = p.n_ff;
            c.n_ctx_train = p.n_ctx_train;
            c.n_vocab = p.n_vocab;
            c.type = p.type;
            return;
        }
    }
    {
        throw std::runtime_error("unknown preset '" + c.preset + "' (tiny, small, bench)");
    }
}

void usage(const char * argv0) {
    std::fprintf(stderr,
                 "usage: %s --out PATH [--preset tiny|small|bench] [--seed N] [--type f32|f16|q8_0]\n"
                 "          [--n-embd N] [--n-layer N] [--n-head N] [--n-head-kv N] [--n-ff N]\n"
                 "          [--n-ctx-train N] [--n-vocab N] [--out-gain X] [--qk-gain X] [--attn-gain X] [--ffn-gain X] [--anti-repeat X] [--no-check] [--verbose]\n"
                 "\n"
                 "Writes a llama-architecture GGUF with deterministic random weights.\n"
                 "  tiny : n_embd 32, 2 layers, 4 heads, n_ff 128, F16 (< 1 MB)\n"
                 "  small: n_embd 256, 4 layers, 8 heads (4 kv), n_ff 768, F16 (a few MB)\n"
                 "  bench: n_embd 768, 12 layers, 12 heads, n_ff 2048, vocab 32000, Q8_0 (~134M params)\n"
                 "  --chat-template-file FILE writes FILE as tokenizer.chat_template (default: ChatML).\n"
                 "  --n-vocab pads the built-in vocabulary with filler pieces up to N tokens.\n"
                 "  --pooling none|mean|cls|last writes llama.pooling_type: an embedding model.\n"
                 "  --rerank writes a reranker (qwen3 architecture, rank pooling, classifier head cls.output\n"
                 "    with the labels yes/no): the score of a pair is the probability of 'yes'.\n"
                 "  --swa N writes a sliding-window model (gemma3 architecture): every other layer attends to the\n"
                 "    last N positions only.\n"
                 "  --mamba writes a recurrent model (mamba architecture: no attention; -n-ff and the heads unused).\n"
                 "  --mtp N writes a model with N multi-token-prediction (NextN) blocks after its layers (glm4moe\n"
                 "    architecture), for --spec-type draft-mtp; libllama runs glm4moe with one block only (N = 1).\n"
                 "  --eagle3 writes an EAGLE-3 draft model (eagle3 architecture) for the llama model that the same\n"
                 "    preset, dimensions and seed describe, for --spec-type draft-eagle3 with -md.\n"
                 "  --dflash TARGET [--dflash-block N] writes a DFlash draft model (dflash architecture, blocks of N\n"
                 "    tokens, default 8) for the model TARGET (its tokenizer and width), for --spec-type draft-dflash;\n"
                 "    with --dspark, a DSpark draft (DFlash plus a Markov head and a confidence head), for draft-dspark.\n"
                 "  --lora [--lora-rank N] [--lora-gain X] writes a LoRA adapter (general.type 'adapter') for the\n"
                 "    model that the same preset and dimensions describe, instead of a model; --seed picks its weights.\n",
                 argv0);
}

Config parse_args(int argc, char ** argv) {
    Config c;
    int32_t n_embd = -1, n_layer = -1, n_head = -1, n_head_kv = -1, n_ff = -1, n_ctx_train = -1, n_vocab = -1;
    std::string type;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw std::runtime_error("missing value for " + a);
            }
            return argv[++i];
        };
        auto int_value = [&]() -> int32_t {
            const std::string s = value();
            char * end = nullptr;
            const long v = std::strtol(s.c_str(), &end, 10);
            if (end == s.c_str() || *end != '\0' || v < 0 || v > (1L << 30)) {
                throw std::runtime_error("invalid value for " + a + ": " + s);
            }
            return static_cast<int32_t>(v);
        };
        auto float_value = [&]() -> float {
            const std::string s = value();
            char * end = nullptr;
            const float v = std::strtof(s.c_str(), &end);
            if (end == s.c_str() || *end != '\0') {
                throw std::runtime_error("invalid value for " + a + ": " + s);
            }
            return v;
        };
        if (a == "--out" || a == "-o") {
            c.out = value();
        } else if (a == "--preset") {
            c.preset = value();
        } else if (a == "--seed") {
            const std::string s = value();
            char * end = nullptr;
            c.seed = std::strtoull(s.c_str(), &end, 10);
            if (end == s.c_str() || *end != '\0') {
                throw std::runtime_error("invalid seed: " + s);
            }
        } else if (a == "--type") {
            type = value();
        } else if (a == "--n-embd") {
            n_embd = int_value();
        } else if (a == "--n-layer") {
            n_layer = int_value();
        } else if (a == "--n-head") {
            n_head = int_value();
        } else if (a == "--n-head-kv") {
            n_head_kv = int_value();
        } else if (a == "--n-ff") {
            n_ff = int_value();
        } else if (a == "--n-ctx-train") {
            n_ctx_train = int_value();
        } else if (a == "--n-vocab") {
            n_vocab = int_value();
        } else if (a == "--pooling") {
            const std::string kind = value();
            if (kind == "none") c.pooling = 0;
            else if (kind == "mean") c.pooling = 1;
            else if (kind == "cls") c.pooling = 2;
            else if (kind == "last") c.pooling = 3;
            else throw std::runtime_error("--pooling must be none, mean, cls or last");
        } else if (a == "--rerank") {
            c.rerank = true;
        } else if (a == "--swa") {
            c.swa = int_value();
        } else if (a == "--mamba") {
            c.mamba = true;
        } else if (a == "--mtp") {
            c.mtp = int_value();
        } else if (a == "--eagle3") {
            c.eagle3 = true;
        } else if (a == "--dflash") {
            c.dflash_target = value();
        } else if (a == "--dflash-block") {
            c.dflash_block = int_value();
        } else if (a == "--dspark") {
            c.dspark = true;
        } else if (a == "--out-gain") {
            c.out_gain = float_value();
        } else if (a == "--qk-gain") {
            c.qk_gain = float_value();
        } else if (a == "--attn-gain") {
            c.attn_gain = float_value();
        } else if (a == "--ffn-gain") {
            c.ffn_gain = float_value();
        } else if (a == "--anti-repeat") {
            c.anti_repeat = float_value();
        } else if (a == "--lora") {
            c.lora = true;
        } else if (a == "--lora-rank") {
            c.lora_rank = int_value();
        } else if (a == "--lora-gain") {
            c.lora_gain = float_value();
        } else if (a == "--chat-template-file") {
            const std::string path = value();
            std::FILE * f = std::fopen(path.c_str(), "rb");
            if (f == nullptr) throw std::runtime_error("cannot read --chat-template-file " + path);
            char buffer[4096];
            size_t n = 0;
            while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) c.chat_template.append(buffer, n);
            std::fclose(f);
        } else if (a == "--no-check") {
            c.check = false;
        } else if (a == "--verbose" || a == "-v") {
            c.verbose = true;
        } else if (a == "--help" || a == "-h") {
            usage(argv[0]);
            std::exit(0);
        } else {
            throw std::runtime_error("unknown argument: " + a);
        }
    }
    if (c.out.empty()) {
        throw std::runtime_error("--out PATH is required");
    }
    apply_preset(c);
    const bool head_given = n_head >= 0;
    if (n_embd >= 0) c.n_embd = n_embd;
    if (n_layer >= 0) c.n_layer = n_layer;
    if (n_head >= 0) c.n_head = n_head;
    if (n_head_kv >= 0) c.n_head_kv = n_head_kv;
    else if (head_given) c.n_head_kv = c.n_head;
    if (n_ff >= 0) c.n_ff = n_ff;
    if (n_ctx_train >= 0) c.n_ctx_train = n_ctx_train;
    if (n_vocab >= 0) c.n_vocab = n_vocab;
    if (!type.empty()) c.type = type;

    if (c.type != "f32" && c.type != "f16" && c.type != "q8_0") {
        throw std::runtime_error("--type must be f32, f16 or q8_0");
    }
    if (c.n_embd <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.n_head_kv <= 0 || c.n_ff <= 0 || c.n_ctx_train <= 0) {
        throw std::runtime_error("model dimensions must be positive");
    }
    if (c.n_embd % c.n_head != 0) {
        throw std::runtime_error("n_embd must be a multiple of n_head");
    }
    if (c.n_head % c.n_head_kv != 0) {
        throw std::runtime_error("n_head must be a multiple of n_head_kv");
    }
    if ((c.n_embd / c.n_head) % 2 != 0) {
        throw std::runtime_error("head dimension (n_embd / n_head) must be even for RoPE");
    }
    if (c.rerank && (c.lora || c.pooling >= 0)) {
        throw std::runtime_error("--rerank writes a model with its own pooling (rank): not with --lora or --pooling");
    }
    if ((c.swa > 0 || c.mamba) && (c.rerank || c.lora || c.pooling >= 0)) {
        throw std::runtime_error("--swa and --mamba write generative models: not with --rerank, --lora or --pooling");
    }
    if (c.swa > 0 && c.mamba) {
        throw std::runtime_error("--swa and --mamba are different architectures");
    }
    if (c.mtp > 1) {
        // libllama 0.7 asserts (aborts) in the glm4moe MTP graph with more than one block.
        throw std::runtime_error("--mtp: libllama's glm4moe runs a single NextN block; give --mtp 1");
    }
    if (c.mtp > 0 && (c.swa > 0 || c.mamba || c.rerank || c.lora || c.pooling >= 0)) {
        throw std::runtime_error("--mtp writes a generative glm4moe model: not with --swa, --mamba, --rerank, --lora or --pooling");
    }
    if (c.eagle3 && (c.mtp > 0 || c.swa > 0 || c.mamba || c.rerank || c.lora || c.pooling >= 0 || !c.dflash_target.empty())) {
        throw std::runtime_error("--eagle3 writes a draft model for a plain llama model: not with other kinds");
    }
    if (c.lora && c.lora_rank <= 0) {
        throw std::runtime_error("--lora-rank must be positive");
    }
    return c;
}

// ---------------------------------------------------------------------------------------------
// Tensors

// Constant: every value is the spec's stddev. EmbeddingPass: a NextN eh_proj (see tensor_specs).
enum class Init { Ones, Constant, Uniform, EmbeddingPass };

struct TensorSpec {
    std::string name;
    int64_t ne0;
    int64_t ne1;  // 0 for 1-D tensors
    ggml_type type;
    Init init;
    float stddev;
    bool is_output;  // output.weight: suppressed rows, anti-repetition term
    int64_t ne2 = 1;  // > 1 for the experts' stacked matrices
};

const float kEmbdStd = 1.0f;  // std of token_embd.weight
const int64_t kMtpExperts = 2;  // experts in a NextN block's FFN (--mtp)

ggml_type weight_type(const std::string & t, int64_t ne0) {
    if (t == "f32") return GGML_TYPE_F32;
    if (t == "f16") return GGML_TYPE_F16;
    // Q8_0 needs whole blocks along a row; fall back to F16 for odd shapes.
    return (ne0 % ggml_blck_size(GGML_TYPE_Q8_0) == 0) ? GGML_TYPE_Q8_0 : GGML_TYPE_F16;
}

// The mamba block's dimensions (libllama supports an expansion factor of 2 only).
struct MambaDims {
    int64_t d_inner, d_conv, d_state, dt_rank;
};
MambaDims mamba_dims(const Config & c) { return {2 * int64_t{c.n_embd}, 4, 16, (c.n_embd + 15) / 16}; }

// The mamba layers' tensors: what libllama's loader asks for. A = -1 everywhere (a stable decay), the
// time step's bias about softplus^-1(0.05), D = 1, the convolution's bias 0.
void mamba_layer_specs(const Config & c, std::vector<TensorSpec> & specs) {
    const MambaDims m = mamba_dims(c);
    const int64_t n_embd = c.n_embd;
    auto add = [&](const std::string & name, int64_t ne0, int64_t ne1, ggml_type type, Init init, float value) {
        specs.push_back({name, ne0, ne1, type, init, value, false});
    };
    auto inv_sqrt = [](int64_t n) { return 1.0f / std::sqrt(static_cast<float>(n)); };
    for (int32_t il = 0; il < c.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        add(p + "attn_norm.weight", n_embd, 0, GGML_TYPE_F32, Init::Ones, 0.0f);
        add(p + "ssm_in.weight", n_embd, 2 * m.d_inner, weight_type(c.type, n_embd), Init::Uniform, inv_sqrt(n_embd));
        add(p + "ssm_conv1d.weight", m.d_conv, m.d_inner, GGML_TYPE_F32, Init::Uniform, inv_sqrt(m.d_conv));
        add(p + "ssm_conv1d.bias", m.d_inner, 0, GGML_TYPE_F32, Init::Constant, 0.0f);
        add(p + "ssm_x.weight", m.d_inner, m.dt_rank + 2 * m.d_state, weight_type(c.type, m.d_inner), Init::Uniform,
            inv_sqrt(m.d_inner));
        add(p + "ssm_dt.weight", m.dt_rank, m.d_inner, GGML_TYPE_F32, Init::Uniform, inv_sqrt(m.dt_rank));
        add(p + "ssm_dt.bias", m.d_inner, 0, GGML_TYPE_F32, Init::Constant, -3.0f);
        add(p + "ssm_a", m.d_state, m.d_inner, GGML_TYPE_F32, Init::Constant, -1.0f);
        add(p + "ssm_d", m.d_inner, 0, GGML_TYPE_F32, Init::Ones, 0.0f);
        add(p + "ssm_out.weight", m.d_inner, n_embd, weight_type(c.type, m.d_inner), Init::Uniform,
            c.attn_gain * inv_sqrt(m.d_inner));
    }
}

std::vector<TensorSpec> eagle3_specs(const Config & c, int32_t n_vocab);

std::vector<TensorSpec> tensor_specs(const Config & c, int32_t n_vocab) {
    if (c.eagle3) return eagle3_specs(c, n_vocab);
    const int64_t n_embd = c.n_embd;
    const int64_t n_embd_kv = static_cast<int64_t>(c.n_embd / c.n_head) * c.n_head_kv;
    const int64_t n_ff = c.n_ff;
    const float inv_sqrt_embd = 1.0f / std::sqrt(static_cast<float>(n_embd));
    const float inv_sqrt_ff = 1.0f / std::sqrt(static_cast<float>(n_ff));

    std::vector<TensorSpec> specs;
    auto matrix = [&](const std::string & name, int64_t ne0, int64_t ne1, float stddev, bool suppress = false) {
        specs.push_back({name, ne0, ne1, weight_type(c.type, ne0), Init::Uniform, stddev, suppress});
    };
    auto norm = [&](const std::string & name, int64_t ne0) {
        specs.push_back({name, ne0, 0, GGML_TYPE_F32, Init::Ones, 0.0f, false});
    };

    matrix("token_embd.weight", n_embd, n_vocab, kEmbdStd);
    if (c.mamba) {
        mamba_layer_specs(c, specs);
    }
    // With --mtp, the NextN blocks are layers n_layer .. n_layer + mtp - 1.
    for (int32_t il = 0; il < (c.mamba ? 0 : c.n_layer + c.mtp); ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        norm(p + "attn_norm.weight", n_embd);
        if (c.rerank) {
            norm(p + "attn_q_norm.weight", n_embd / c.n_head);
            norm(p + "attn_k_norm.weight", n_embd / c.n_head);
        }
        if (c.swa > 0) {
            // The per-head q/k norms fix the attention logits' scale, whatever attn_q and attn_k do:
            // --qk-gain scales them here instead (so that attention is sharp enough for a position's
            // output to depend on which cells its window holds).
            specs.push_back({p + "attn_q_norm.weight", n_embd / c.n_head, 0, GGML_TYPE_F32, Init::Constant, c.qk_gain, false});
            specs.push_back({p + "attn_k_norm.weight", n_embd / c.n_head, 0, GGML_TYPE_F32, Init::Constant, c.qk_gain, false});
        }
        if (c.swa > 0) {
            // gemma scales the input embeddings by sqrt(n_embd) and normalizes each block's output:
            // these gains give the blocks' outputs a weight against the embedding (the norms after
            // attention and after the FFN, to --attn-gain and --ffn-gain times sqrt(n_embd)).
            const float root = std::sqrt(static_cast<float>(n_embd));
            specs.push_back({p + "post_attention_norm.weight", n_embd, 0, GGML_TYPE_F32, Init::Constant, c.attn_gain * root, false});
            specs.push_back({p + "post_ffw_norm.weight", n_embd, 0, GGML_TYPE_F32, Init::Constant, c.ffn_gain * root, false});
        }
        matrix(p + "attn_q.weight", n_embd, n_embd, c.qk_gain * inv_sqrt_embd);
        matrix(p + "attn_k.weight", n_embd, n_embd_kv, c.qk_gain * inv_sqrt_embd);
        matrix(p + "attn_v.weight", n_embd, n_embd_kv, c.attn_gain * inv_sqrt_embd);
        if (c.mtp > 0) {  // glm4moe's projections have biases (zero here)
            specs.push_back({p + "attn_q.bias", n_embd, 0, GGML_TYPE_F32, Init::Constant, 0.0f, false});
            specs.push_back({p + "attn_k.bias", n_embd_kv, 0, GGML_TYPE_F32, Init::Constant, 0.0f, false});
            specs.push_back({p + "attn_v.bias", n_embd_kv, 0, GGML_TYPE_F32, Init::Constant, 0.0f, false});
        }
        matrix(p + "attn_output.weight", n_embd, n_embd, c.attn_gain * inv_sqrt_embd);
        // glm4moe names the FFN's norm after what it follows.
        norm(p + (c.mtp > 0 ? "post_attention_norm.weight" : "ffn_norm.weight"), n_embd);
        if (il >= c.n_layer) {
            // libllama's glm4moe MTP graph wants a mixture-of-experts FFN in a NextN block: a
            // router, kMtpExperts experts (each an FFN of n_ff) and one shared expert.
            matrix(p + "ffn_gate_inp.weight", n_embd, kMtpExperts, inv_sqrt_embd);
            specs.push_back({p + "exp_probs_b.bias", kMtpExperts, 0, GGML_TYPE_F32, Init::Constant, 0.0f, false});
            for (const char * w : {"ffn_gate_exps.weight", "ffn_up_exps.weight"}) {
                specs.push_back({p + w, n_embd, n_ff, weight_type(c.type, n_embd), Init::Uniform,
                                 c.ffn_gain * inv_sqrt_embd, false, kMtpExperts});
            }
            specs.push_back({p + "ffn_down_exps.weight", n_ff, n_embd, weight_type(c.type, n_ff), Init::Uniform,
                             c.ffn_gain * inv_sqrt_ff, false, kMtpExperts});
            matrix(p + "ffn_gate_shexp.weight", n_embd, n_ff, c.ffn_gain * inv_sqrt_embd);
            matrix(p + "ffn_up_shexp.weight", n_embd, n_ff, c.ffn_gain * inv_sqrt_embd);
            matrix(p + "ffn_down_shexp.weight", n_ff, n_embd, c.ffn_gain * inv_sqrt_ff);
        } else {
            matrix(p + "ffn_gate.weight", n_embd, n_ff, c.ffn_gain * inv_sqrt_embd);
            matrix(p + "ffn_up.weight", n_embd, n_ff, c.ffn_gain * inv_sqrt_embd);
            matrix(p + "ffn_down.weight", n_ff, n_embd, c.ffn_gain * inv_sqrt_ff);
        }
        if (il >= c.n_layer) {
            // A NextN block's input: eh_proj (2 n_embd -> n_embd) of the normalized embedding of
            // token t+1 (enorm) next to the normalized hidden state at t (hnorm); its output goes
            // through shared_head_norm and the model's own output matrix.
            // Its embedding half is the identity and its hidden-state half small: the block starts
            // from token t+1's embedding much as the main model's residual stream does after
            // reading t+1, so its guesses agree with the main model's next token part of the time
            // (drafts get accepted and rejected).
            specs.push_back({p + "nextn.eh_proj.weight", 2 * n_embd, n_embd, weight_type(c.type, 2 * n_embd),
                             Init::EmbeddingPass, 0.1f * inv_sqrt_embd, false});
            norm(p + "nextn.enorm.weight", n_embd);
            norm(p + "nextn.hnorm.weight", n_embd);
            norm(p + "nextn.shared_head_norm.weight", n_embd);
        }
    }
    norm("output_norm.weight", n_embd);
    matrix("output.weight", n_embd, n_vocab, c.out_gain * inv_sqrt_embd, true);
    // The classification head: two logits of a few units' spread, so scores cover (0, 1).
    if (c.rerank) matrix("cls.output.weight", n_embd, 2, 2.0f * inv_sqrt_embd);
    return specs;
}

int64_t n_rows(const TensorSpec & s) { return (s.ne1 > 0 ? s.ne1 : 1) * s.ne2; }
int64_t n_elements(const TensorSpec & s) { return s.ne0 * n_rows(s); }

// The random values of a tensor: a stream of its own, seeded from the seed and the tensor name.
std::vector<float> random_values(const std::string & name, int64_t n, float stddev, uint64_t seed) {
    std::vector<float> f(static_cast<size_t>(n));
    Rng rng(seed ^ fnv1a(name));
    const float scale = stddev * std::sqrt(3.0f);  // uniform [-a, a) has std a/sqrt(3)
    for (float & x : f) {
        x = scale * rng.uniform_pm1();
    }
    return f;
}

std::vector<float> eagle3_values(const TensorSpec & s, const Config & c, const std::vector<bool> & suppressed);

// Generates one tensor's values.
std::vector<float> tensor_values(const TensorSpec & s, const Config & c, const std::vector<bool> & suppressed) {
    if (c.eagle3) return eagle3_values(s, c, suppressed);
    const int64_t n = n_elements(s);
    const int64_t rows = n_rows(s);
    std::vector<float> f;
    if (s.init == Init::Ones || s.init == Init::Constant) {
        f.assign(static_cast<size_t>(n), s.init == Init::Ones ? 1.0f : s.stddev);
    } else {
        f = random_values(s.name, n, s.stddev, c.seed);
    }
    if (s.init == Init::EmbeddingPass) {
        // Row r (output r) takes input r of the first half (the embedding) whole, nothing else of it.
        const int64_t half = s.ne0 / 2;
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t col = 0; col < half; ++col) f[static_cast<size_t>(r * s.ne0 + col)] = col == r ? 1.0f : 0.0f;
        }
    }
    if (s.is_output) {
        // Anti-repetition: row t of output.weight gets minus a multiple of token t's embedding.
        // The hidden state after reading token t still carries t's embedding (the residual
        // stream), so the logit of t itself drops by about out_gain * anti_repeat * cos(h, e_t)
        // and greedy decoding does not get stuck repeating one token.
        if (c.anti_repeat != 0.0f) {
            const std::vector<float> embd = random_values("token_embd.weight", n, kEmbdStd, c.seed);
            const float k = c.anti_repeat * s.stddev / kEmbdStd;
            for (size_t i = 0; i < f.size(); ++i) {
                f[i] -= k * embd[i];
            }
        }
        for (int64_t r = 0; r < rows && r < static_cast<int64_t>(suppressed.size()); ++r) {
            if (suppressed[static_cast<size_t>(r)]) {
                std::fill(f.begin() + r * s.ne0, f.begin() + (r + 1) * s.ne0, 0.0f);
            }
        }
    }
    return f;
}

// Generates and encodes one tensor's data.
std::vector<uint8_t> tensor_data(const TensorSpec & s, const Config & c, const std::vector<bool> & suppressed) {
    const int64_t n = n_elements(s);
    const int64_t rows = n_rows(s);
    const std::vector<float> f = tensor_values(s, c, suppressed);
    const size_t bytes = ggml_row_size(s.type, s.ne0) * static_cast<size_t>(rows);
    std::vector<uint8_t> out(bytes);
    switch (s.type) {
        case GGML_TYPE_F32:
            std::memcpy(out.data(), f.data(), bytes);
            break;
        case GGML_TYPE_F16:
            ggml_fp32_to_fp16_row(f.data(), reinterpret_cast<ggml_fp16_t *>(out.data()), n);
            break;
        default: {
            const size_t written = ggml_quantize_chunk(s.type, f.data(), out.data(), 0, rows, s.ne0, nullptr);
            if (written != bytes) {
                throw std::runtime_error("quantization of " + s.name + " wrote an unexpected size");
            }
            break;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// EAGLE-3 draft model (--eagle3)
//
// What libllama's eagle3 architecture runs, per row (token t at position p+1, g = the draft's own
// projection `fc` of three hidden states of the target at position p):
//   x = concat(rms_norm(embed(t)), rms_norm(g));  h = g + attention(x);  h += ffn(rms_norm(h))
//   logits = output(rms_norm(h)); the next row's g is this h.
// The target's hidden states enter only through g, token t only through attention. So that the
// drafts agree with the target part of the time, this draft is twice as wide as the target (D = 2E):
//   - its own token_embd: the target's embedding in the first E dims, a constant kConstant in the
//     rest (the constant dominates the row's RMS, so after the norm it is nearly the same for
//     every token);
//   - attn_q = attn_k: every head reads the constant half only, so every row's query and key are
//     the same vector and RoPE makes a row's score with itself the highest by a wide margin
//     (positions up to a few hundred apart): each row attends to itself;
//   - attn_v, attn_output: the identity on the embedding half (rescaled to the embedding's RMS);
//   - output: the target's output matrix on the first E dims, zeros on the rest.
// So h is about the target's embedding of t plus g, and the draft guesses roughly what the target
// would say after t, moved by the target's hidden states (fc's gain makes g about a quarter as large as
// the embedding: drafts made from wrong or missing hidden states differ).
// The draft's vocabulary is the target's (no d2t mapping).

const float kEagle3Constant = 8.0f;  // the constant half of the draft's token embeddings
const float kEagle3QkGain = 9.0f;    // a query (and key) component's size: the self-attention's sharpness
const float kEagle3FcGain = 0.25f;    // g's RMS relative to the target hidden states'

int64_t eagle3_width(const Config & c) { return 2 * int64_t{c.n_embd}; }

// The target layers whose inputs fc reads: the first, the last and the final hidden state (index
// n_layer, the input of the output norm), as trained EAGLE-3 heads read a low, a middle and a high one.
std::vector<int32_t> eagle3_target_layers(const Config & c) { return {0, c.n_layer - 1, c.n_layer}; }

std::vector<TensorSpec> eagle3_specs(const Config & c, int32_t n_vocab) {
    const int64_t d = eagle3_width(c);
    const int64_t n_ff = c.n_ff;
    std::vector<TensorSpec> specs;
    auto matrix = [&](const std::string & name, int64_t ne0, int64_t ne1, float stddev) {
        specs.push_back({name, ne0, ne1, weight_type(c.type, ne0), Init::Uniform, stddev, false});
    };
    auto norm = [&](const std::string & name) { specs.push_back({name, d, 0, GGML_TYPE_F32, Init::Ones, 0.0f, false}); };
    // F32 where the values are built rather than drawn: exact identities and constants.
    auto built = [&](const std::string & name, int64_t ne0, int64_t ne1) {
        specs.push_back({name, ne0, ne1, GGML_TYPE_F32, Init::Constant, 0.0f, false});
    };
    const int64_t n_fc_in = 3 * int64_t{c.n_embd};
    built("token_embd.weight", d, n_vocab);
    matrix("fc.weight", n_fc_in, d, kEagle3FcGain / std::sqrt(static_cast<float>(n_fc_in)));
    norm("blk.0.attn_norm.weight");
    norm("blk.0.attn_norm_2.weight");
    built("blk.0.attn_q.weight", 2 * d, d);
    built("blk.0.attn_k.weight", 2 * d, d);
    built("blk.0.attn_v.weight", 2 * d, d);
    built("blk.0.attn_output.weight", d, d);
    norm("blk.0.ffn_norm.weight");
    const float inv_sqrt_d = 1.0f / std::sqrt(static_cast<float>(d));
    matrix("blk.0.ffn_gate.weight", d, n_ff, c.ffn_gain * inv_sqrt_d);
    matrix("blk.0.ffn_up.weight", d, n_ff, c.ffn_gain * inv_sqrt_d);
    matrix("blk.0.ffn_down.weight", n_ff, d, c.ffn_gain / std::sqrt(static_cast<float>(n_ff)));
    norm("output_norm.weight");
    built("output.weight", d, n_vocab);
    return specs;
}

std::vector<float> eagle3_values(const TensorSpec & s, const Config & c, const std::vector<bool> & suppressed) {
    const int64_t e = c.n_embd;
    const int64_t d = eagle3_width(c);
    const int64_t rows = n_rows(s);
    if (s.init != Init::Constant) {
        Config plain = c;
        plain.eagle3 = false;
        return tensor_values(s, plain, suppressed);
    }
    std::vector<float> f(static_cast<size_t>(n_elements(s)), 0.0f);
    auto at = [&](int64_t row, int64_t col) -> float & { return f[static_cast<size_t>(row * s.ne0 + col)]; };
    if (s.name == "token_embd.weight" || s.name == "output.weight") {
        // The target's own tensor, as write_model writes it for the target, widened.
        Config plain = c;
        plain.eagle3 = false;
        const bool output = s.name == "output.weight";
        const TensorSpec target{s.name, e, rows, GGML_TYPE_F32, Init::Uniform,
                                output ? c.out_gain / std::sqrt(static_cast<float>(e)) : kEmbdStd, output};
        const std::vector<float> t = tensor_values(target, plain, suppressed);
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t col = 0; col < d; ++col) {
                at(r, col) = col < e ? t[static_cast<size_t>(r * e + col)] : output ? 0.0f : kEagle3Constant;
            }
        }
    } else if (s.name == "blk.0.attn_q.weight" || s.name == "blk.0.attn_k.weight") {
        // Inputs [e, d) are the normalized constant half; each head's first half of components sums
        // them (whether libllama's RoPE pairs components next to each other or half a head apart,
        // these cover its fastest-turning pairs).
        const int64_t head = d / c.n_head;
        for (int64_t h = 0; h < c.n_head; ++h) {
            for (int64_t k = 0; k < head / 2; ++k) {
                for (int64_t col = e; col < d; ++col) at(h * head + k, col) = kEagle3QkGain / static_cast<float>(e);
            }
        }
    } else if (s.name == "blk.0.attn_v.weight" || s.name == "blk.0.attn_output.weight") {
        // The embedding half through; the norm shrank it by the row's RMS, about sqrt((1 + C^2) / 2).
        const float gain = s.name == "blk.0.attn_v.weight"
                               ? std::sqrt((kEmbdStd * kEmbdStd + kEagle3Constant * kEagle3Constant) / 2.0f)
                               : 1.0f;
        for (int64_t r = 0; r < e; ++r) at(r, r) = gain;
    }
    return f;
}

// ---------------------------------------------------------------------------------------------
// Writing

const char * const kChatTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

struct FileCloser {
    void operator()(FILE * f) const { std::fclose(f); }
};

void write_zeros(FILE * f, size_t n) {
    static const uint8_t zeros[64] = {};
    while (n > 0) {
        const size_t k = std::min(n, sizeof(zeros));
        if (std::fwrite(zeros, 1, k, f) != k) {
            throw std::runtime_error("write failed");
        }
        n -= k;
    }
}

struct Written {
    uint64_t n_params = 0;
    uint64_t file_size = 0;
    int32_t n_vocab = 0;
};

// Tokens greedy decoding never produces: unknown, control tokens and byte tokens other than
// newline (lone bytes would often be invalid UTF-8). Their output rows are zero, so their logit is
// exactly 0 while the top logits are many standard deviations above.
std::vector<bool> suppressed_tokens(const Vocab & vocab, const SpecialIds & ids) {
    std::vector<bool> suppressed(static_cast<size_t>(vocab.size()), false);
    for (int32_t id = 0; id < vocab.size(); ++id) {
        const int32_t t = vocab.type[static_cast<size_t>(id)];
        if (t == kUnknown || t == kControl || (t == kByte && id != ids.first_byte + '\n')) {
            suppressed[static_cast<size_t>(id)] = true;
        }
    }
    return suppressed;
}

Written write_model(const Config & c) {
    SpecialIds ids{};
    const Vocab vocab = build_vocab(c.n_vocab, ids);
    const int32_t n_vocab = vocab.size();
    const std::vector<bool> suppressed = suppressed_tokens(vocab, ids);

    std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_empty());
    const std::string name =
        "cria-" + c.preset + "-random" +
        (c.rerank ? "-rerank" : c.swa > 0 ? "-swa" : c.mamba ? "-mamba" : c.mtp > 0 ? "-mtp" : c.eagle3 ? "-eagle3" : "");
    const std::string arch = c.rerank ? "qwen3" : c.swa > 0 ? "gemma3" : c.mamba ? "mamba" : c.mtp > 0 ? "glm4moe"
                             : c.eagle3                   ? "eagle3"
                                                          : "llama";
    const int32_t n_embd = c.eagle3 ? static_cast<int32_t>(eagle3_width(c)) : c.n_embd;
    auto key = [&arch](const char * suffix) { return arch + "." + suffix; };
    gguf_set_val_str(g.get(), "general.architecture", arch.c_str());
    gguf_set_val_str(g.get(), "general.name", name.c_str());
    gguf_set_val_str(g.get(), "general.description",
                     "random weights from cria tools/make-model (not a trained model)");
    gguf_set_val_u32(g.get(), "general.file_type",
                     c.type == "f32" ? 0u : c.type == "f16" ? 1u : 7u);  // LLAMA_FTYPE_*
    gguf_set_val_u32(g.get(), "general.quantization_version", GGML_QNT_VERSION);

    gguf_set_val_u32(g.get(), key("vocab_size").c_str(), static_cast<uint32_t>(n_vocab));
    gguf_set_val_u32(g.get(), key("context_length").c_str(), static_cast<uint32_t>(c.n_ctx_train));
    gguf_set_val_u32(g.get(), key("embedding_length").c_str(), static_cast<uint32_t>(n_embd));
    // The NextN blocks count as layers: libllama takes the last nextn_predict_layers of them apart.
    gguf_set_val_u32(g.get(), key("block_count").c_str(), static_cast<uint32_t>(c.eagle3 ? 1 : c.n_layer + c.mtp));
    if (c.eagle3) {
        const std::vector<int32_t> layers = eagle3_target_layers(c);
        gguf_set_arr_data(g.get(), key("target_layers").c_str(), GGUF_TYPE_INT32, layers.data(), layers.size());
        gguf_set_val_u32(g.get(), key("target_hidden_size").c_str(), static_cast<uint32_t>(c.n_embd));
    }
    if (c.mtp > 0) {
        gguf_set_val_u32(g.get(), key("nextn_predict_layers").c_str(), static_cast<uint32_t>(c.mtp));
        // The model's own layers are dense, the NextN blocks' FFN a mixture of experts.
        gguf_set_val_u32(g.get(), key("leading_dense_block_count").c_str(), static_cast<uint32_t>(c.n_layer));
        gguf_set_val_u32(g.get(), key("expert_count").c_str(), static_cast<uint32_t>(kMtpExperts));
        gguf_set_val_u32(g.get(), key("expert_used_count").c_str(), 1u);
        gguf_set_val_u32(g.get(), key("expert_shared_count").c_str(), 1u);
        gguf_set_val_u32(g.get(), key("expert_feed_forward_length").c_str(), static_cast<uint32_t>(c.n_ff));
    }
    if (c.mamba) {  // no attention, no FFN
        const MambaDims m = mamba_dims(c);
        gguf_set_val_u32(g.get(), key("feed_forward_length").c_str(), 0u);
        gguf_set_val_u32(g.get(), key("attention.head_count").c_str(), 0u);
        gguf_set_val_u32(g.get(), key("attention.head_count_kv").c_str(), 0u);
        gguf_set_val_u32(g.get(), key("ssm.conv_kernel").c_str(), static_cast<uint32_t>(m.d_conv));
        gguf_set_val_u32(g.get(), key("ssm.inner_size").c_str(), static_cast<uint32_t>(m.d_inner));
        gguf_set_val_u32(g.get(), key("ssm.state_size").c_str(), static_cast<uint32_t>(m.d_state));
        gguf_set_val_u32(g.get(), key("ssm.time_step_rank").c_str(), static_cast<uint32_t>(m.dt_rank));
    } else {
        gguf_set_val_u32(g.get(), key("feed_forward_length").c_str(), static_cast<uint32_t>(c.n_ff));
        gguf_set_val_u32(g.get(), key("attention.head_count").c_str(), static_cast<uint32_t>(c.n_head));
        gguf_set_val_u32(g.get(), key("attention.head_count_kv").c_str(), static_cast<uint32_t>(c.n_head_kv));
        gguf_set_val_u32(g.get(), key("rope.dimension_count").c_str(), static_cast<uint32_t>(n_embd / c.n_head));
        gguf_set_val_f32(g.get(), key("rope.freq_base").c_str(), c.rope_freq_base);
    }
    gguf_set_val_f32(g.get(), key("attention.layer_norm_rms_epsilon").c_str(), c.rms_eps);
    if (c.pooling >= 0) gguf_set_val_u32(g.get(), key("pooling_type").c_str(), static_cast<uint32_t>(c.pooling));
    if (c.swa > 0) {
        gguf_set_val_u32(g.get(), key("attention.sliding_window").c_str(), static_cast<uint32_t>(c.swa));
        gguf_set_val_u32(g.get(), key("attention.sliding_window_pattern").c_str(), 2u);  // layer 0 windowed, 1 not, ...
    }
    if (c.rerank) {
        gguf_set_val_u32(g.get(), key("pooling_type").c_str(), 4u);  // LLAMA_POOLING_TYPE_RANK
        const char * labels[] = {"yes", "no"};
        gguf_set_arr_str(g.get(), key("classifier.output_labels").c_str(), labels, 2);
    }

    gguf_set_val_str(g.get(), "tokenizer.ggml.model", "llama");
    {
        std::vector<const char *> texts;
        texts.reserve(vocab.text.size());
        for (const std::string & t : vocab.text) {
            texts.push_back(t.c_str());
        }
        gguf_set_arr_str(g.get(), "tokenizer.ggml.tokens", texts.data(), texts.size());
    }
    gguf_set_arr_data(g.get(), "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, vocab.score.data(), vocab.score.size());
    gguf_set_arr_data(g.get(), "tokenizer.ggml.token_type", GGUF_TYPE_INT32, vocab.type.data(), vocab.type.size());
    gguf_set_val_u32(g.get(), "tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(ids.unk));
    gguf_set_val_u32(g.get(), "tokenizer.ggml.bos_token_id", static_cast<uint32_t>(ids.bos));
    gguf_set_val_u32(g.get(), "tokenizer.ggml.eos_token_id", static_cast<uint32_t>(ids.eos));
    gguf_set_val_u32(g.get(), "tokenizer.ggml.eot_token_id", static_cast<uint32_t>(ids.im_end));
    gguf_set_val_u32(g.get(), "tokenizer.ggml.fim_pre_token_id", static_cast<uint32_t>(ids.fim_pre));
    gguf_set_val_u32(g.get(), "tokenizer.ggml.fim_suf_token_id", static_cast<uint32_t>(ids.fim_suf));
    gguf_set_val_u32(g.get(), "tokenizer.ggml.fim_mid_token_id", static_cast<uint32_t>(ids.fim_mid));
    gguf_set_val_bool(g.get(), "tokenizer.ggml.add_bos_token", true);
    gguf_set_val_bool(g.get(), "tokenizer.ggml.add_eos_token", false);
    gguf_set_val_bool(g.get(), "tokenizer.ggml.add_space_prefix", true);
    gguf_set_val_str(g.get(), "tokenizer.chat_template", c.chat_template.empty() ? kChatTemplate : c.chat_template.c_str());

    const std::vector<TensorSpec> specs = tensor_specs(c, n_vocab);
    ggml_init_params ip{};
    ip.mem_size = (specs.size() + 1) * ggml_tensor_overhead();
    ip.mem_buffer = nullptr;
    ip.no_alloc = true;  // descriptors only; data is streamed to the file below
    std::unique_ptr<ggml_context, GgmlDeleter> meta(ggml_init(ip));
    if (!meta) {
        throw std::runtime_error("ggml_init failed");
    }
    Written w;
    w.n_vocab = n_vocab;
    for (const TensorSpec & s : specs) {
        ggml_tensor * t = s.ne2 > 1   ? ggml_new_tensor_3d(meta.get(), s.type, s.ne0, s.ne1, s.ne2)
                          : s.ne1 > 0 ? ggml_new_tensor_2d(meta.get(), s.type, s.ne0, s.ne1)
                                      : ggml_new_tensor_1d(meta.get(), s.type, s.ne0);
        ggml_set_name(t, s.name.c_str());
        gguf_add_tensor(g.get(), t);
        w.n_params += static_cast<uint64_t>(n_elements(s));
    }

    // Write to a temporary name and rename, so readers never see a half-written model.
    const std::string tmp = c.out + ".tmp." + std::to_string(static_cast<long long>(getpid()));
    if (!gguf_write_to_file(g.get(), tmp.c_str(), /*only_meta=*/true)) {
        throw std::runtime_error("cannot write " + tmp);
    }
    try {
        std::unique_ptr<FILE, FileCloser> f(std::fopen(tmp.c_str(), "ab"));
        if (!f) {
            throw std::runtime_error("cannot reopen " + tmp);
        }
        const uint64_t data_start = gguf_get_meta_size(g.get());
        const uint64_t alignment = gguf_get_alignment(g.get());
        uint64_t pos = data_start;
        for (size_t i = 0; i < specs.size(); ++i) {
            const uint64_t at = data_start + gguf_get_tensor_offset(g.get(), static_cast<int64_t>(i));
            if (at < pos) {
                throw std::runtime_error("tensor offsets out of order");
            }
            write_zeros(f.get(), at - pos);
            const std::vector<uint8_t> data = tensor_data(specs[i], c, suppressed);
            if (data.size() != gguf_get_tensor_size(g.get(), static_cast<int64_t>(i))) {
                throw std::runtime_error("size mismatch for " + specs[i].name);
            }
            if (std::fwrite(data.data(), 1, data.size(), f.get()) != data.size()) {
                throw std::runtime_error("write failed for " + tmp);
            }
            pos = at + data.size();
        }
        const uint64_t end = (pos + alignment - 1) / alignment * alignment;
        write_zeros(f.get(), end - pos);
        if (std::fflush(f.get()) != 0) {
            throw std::runtime_error("write failed for " + tmp);
        }
        w.file_size = end;
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
    if (std::rename(tmp.c_str(), c.out.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot rename " + tmp + " to " + c.out);
    }
    ggml_quantize_free();
    return w;
}

// ---------------------------------------------------------------------------------------------
// LoRA adapter
//
// What libllama's adapter loader expects: general.type "adapter", general.architecture equal to the
// model's, adapter.type "lora", adapter.lora.alpha (the effective scale is scale * alpha / rank),
// and for each adapted weight W (ne = [n_in, n_out]) a pair "<W>.lora_a" (ne = [n_in, rank]) and
// "<W>.lora_b" (ne = [rank, n_out]); the model computes W x + scale * alpha / rank * B (A x).
//
// The adapter touches the attention projections (so the KV cache differs under it) and the
// output matrix (so greedy output visibly changes). Each delta is about lora_gain times as large
// as its base weight's output; the rows of tokens the base model never produces stay zero.

struct LoraTarget {
    std::string weight;  // base tensor name
    int64_t n_in, n_out;
    float base_gain;     // output std of the base weight for a unit-RMS input
    bool is_output;
};

Written write_lora(const Config & c) {
    SpecialIds ids{};
    const Vocab vocab = build_vocab(c.n_vocab, ids);
    const int32_t n_vocab = vocab.size();
    const std::vector<bool> suppressed = suppressed_tokens(vocab, ids);
    const int64_t n_embd = c.n_embd;
    const int64_t n_embd_kv = static_cast<int64_t>(c.n_embd / c.n_head) * c.n_head_kv;
    const int64_t rank = c.lora_rank;

    std::vector<LoraTarget> targets;
    for (int32_t il = 0; il < c.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        targets.push_back({p + "attn_q.weight", n_embd, n_embd, c.qk_gain, false});
        targets.push_back({p + "attn_k.weight", n_embd, n_embd_kv, c.qk_gain, false});
        targets.push_back({p + "attn_v.weight", n_embd, n_embd_kv, c.attn_gain, false});
        targets.push_back({p + "attn_output.weight", n_embd, n_embd, c.attn_gain, false});
    }
    targets.push_back({"output.weight", n_embd, n_vocab, c.out_gain, true});

    std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_empty());
    const std::string name = "cria-" + c.preset + "-random-lora";
    gguf_set_val_str(g.get(), "general.architecture", "llama");
    gguf_set_val_str(g.get(), "general.type", "adapter");
    gguf_set_val_str(g.get(), "general.name", name.c_str());
    gguf_set_val_str(g.get(), "general.description",
                     "random LoRA adapter from cria tools/make-model (not a trained adapter)");
    gguf_set_val_str(g.get(), "adapter.type", "lora");
    gguf_set_val_f32(g.get(), "adapter.lora.alpha", static_cast<float>(rank));  // alpha / rank = 1

    size_t bytes = 0;
    for (const LoraTarget & t : targets) bytes += static_cast<size_t>((t.n_in + t.n_out) * rank) * sizeof(float);
    ggml_init_params ip{};
    ip.mem_size = 2 * (targets.size() + 1) * ggml_tensor_overhead() + bytes + 2 * targets.size() * GGML_MEM_ALIGN;
    ip.mem_buffer = nullptr;
    ip.no_alloc = false;
    std::unique_ptr<ggml_context, GgmlDeleter> data(ggml_init(ip));
    if (!data) {
        throw std::runtime_error("ggml_init failed");
    }
    Written w;
    w.n_vocab = n_vocab;
    for (const LoraTarget & t : targets) {
        ggml_tensor * a = ggml_new_tensor_2d(data.get(), GGML_TYPE_F32, t.n_in, rank);
        ggml_tensor * b = ggml_new_tensor_2d(data.get(), GGML_TYPE_F32, rank, t.n_out);
        ggml_set_name(a, (t.weight + ".lora_a").c_str());
        ggml_set_name(b, (t.weight + ".lora_b").c_str());
        // A x has about unit variance per rank component; B then gives each output about
        // lora_gain * base_gain.
        const std::vector<float> va = random_values(a->name, t.n_in * rank, 1.0f / std::sqrt(static_cast<float>(t.n_in)), c.seed);
        std::vector<float> vb = random_values(b->name, rank * t.n_out,
                                              c.lora_gain * t.base_gain / std::sqrt(static_cast<float>(rank)), c.seed);
        if (t.is_output) {
            for (int64_t row = 0; row < t.n_out; ++row) {
                if (suppressed[static_cast<size_t>(row)]) std::fill(vb.begin() + row * rank, vb.begin() + (row + 1) * rank, 0.0f);
            }
        }
        std::memcpy(a->data, va.data(), va.size() * sizeof(float));
        std::memcpy(b->data, vb.data(), vb.size() * sizeof(float));
        gguf_add_tensor(g.get(), a);
        gguf_add_tensor(g.get(), b);
        w.n_params += static_cast<uint64_t>(va.size() + vb.size());
    }

    const std::string tmp = c.out + ".tmp." + std::to_string(static_cast<long long>(getpid()));
    if (!gguf_write_to_file(g.get(), tmp.c_str(), /*only_meta=*/false)) {
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot write " + tmp);
    }
    w.file_size = gguf_get_meta_size(g.get());
    for (int64_t i = 0; i < gguf_get_n_tensors(g.get()); ++i) w.file_size += gguf_get_tensor_size(g.get(), i);
    if (std::rename(tmp.c_str(), c.out.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot rename " + tmp + " to " + c.out);
    }
    return w;
}

// ---------------------------------------------------------------------------------------------
// DFlash draft (--dflash TARGET)
//
// What libllama 0.7 loads as a DFlash block-diffusion draft (general.architecture "dflash"): a few
// llama-like layers (with per-head q/k norms), `fc` (the target's hidden states at the layers
// dflash.target_layers, side by side, to the draft's width) with its norm `enc.output_norm`, and a
// final `output_norm`. Without token_embd / output of its own the draft reads the target's (through
// the draft context's ctx_other). dflash.block_size is the block it was trained on (at most
// block_size - 1 drafts a step); tokenizer.ggml.mask_token_id the token that fills a block's slots
// to be guessed. The tokenizer is the target's (copied), so token ids agree.
// Random weights: the drafts agree with the target's tokens now and then, not often.

// A u32 of the target's metadata (for its own architecture's prefix).
uint32_t target_u32(const gguf_context * g, const std::string & key) {
    const int64_t i = gguf_find_key(g, key.c_str());
    if (i < 0) throw std::runtime_error("--dflash: the target has no " + key);
    return gguf_get_val_u32(g, i);
}

// Copies every tokenizer.* key of `from` (the target) into `to`.
void copy_tokenizer(const gguf_context * from, gguf_context * to) {
    for (int64_t i = 0; i < gguf_get_n_kv(from); ++i) {
        const std::string key = gguf_get_key(from, i);
        if (key.rfind("tokenizer.", 0) != 0) continue;
        const gguf_type type = gguf_get_kv_type(from, i);
        switch (type) {
            case GGUF_TYPE_STRING: gguf_set_val_str(to, key.c_str(), gguf_get_val_str(from, i)); break;
            case GGUF_TYPE_UINT32: gguf_set_val_u32(to, key.c_str(), gguf_get_val_u32(from, i)); break;
            case GGUF_TYPE_INT32: gguf_set_val_i32(to, key.c_str(), gguf_get_val_i32(from, i)); break;
            case GGUF_TYPE_BOOL: gguf_set_val_bool(to, key.c_str(), gguf_get_val_bool(from, i)); break;
            case GGUF_TYPE_FLOAT32: gguf_set_val_f32(to, key.c_str(), gguf_get_val_f32(from, i)); break;
            case GGUF_TYPE_ARRAY: {
                const gguf_type element = gguf_get_arr_type(from, i);
                const size_t n = gguf_get_arr_n(from, i);
                if (element == GGUF_TYPE_STRING) {
                    std::vector<const char *> texts(n);
                    for (size_t k = 0; k < n; ++k) texts[k] = gguf_get_arr_str(from, i, k);
                    gguf_set_arr_str(to, key.c_str(), texts.data(), n);
                } else {
                    gguf_set_arr_data(to, key.c_str(), element, gguf_get_arr_data(from, i), n);
                }
                break;
            }
            default: throw std::runtime_error("--dflash: cannot copy the target's " + key);
        }
    }
}

void write_dflash(const Config & c) {
    gguf_init_params gp{};
    gp.no_alloc = true;
    gp.ctx = nullptr;
    std::unique_ptr<gguf_context, GgufDeleter> target(gguf_init_from_file(c.dflash_target.c_str(), gp));
    if (!target) throw std::runtime_error("--dflash: cannot read " + c.dflash_target);
    const int64_t arch_at = gguf_find_key(target.get(), "general.architecture");
    if (arch_at < 0) throw std::runtime_error("--dflash: " + c.dflash_target + " names no architecture");
    const std::string tarch = gguf_get_val_str(target.get(), arch_at);
    const int64_t n_embd = target_u32(target.get(), tarch + ".embedding_length");
    const int64_t n_layer_target = target_u32(target.get(), tarch + ".block_count");
    const int64_t n_head = target_u32(target.get(), tarch + ".attention.head_count");
    const int64_t head_dim = n_embd / n_head;
    const int64_t mask_at = gguf_find_key(target.get(), "tokenizer.ggml.unknown_token_id");
    if (mask_at < 0) throw std::runtime_error("--dflash: the target has no unknown token to use as the mask");
    if (c.dflash_block < 2) throw std::runtime_error("--dflash-block must be at least 2");

    // The target's hidden states the draft reads: the inputs of its first two layers (or of its only one).
    std::vector<int32_t> target_layers = {0};
    if (n_layer_target > 1) target_layers.push_back(1);
    const int64_t n_in = static_cast<int64_t>(target_layers.size()) * n_embd;
    const int64_t n_layer = 1;
    const int64_t n_ff = 4 * n_embd;

    std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_empty());
    const std::string arch = "dflash";
    auto key = [&arch](const char * suffix) { return arch + "." + suffix; };
    gguf_set_val_str(g.get(), "general.architecture", arch.c_str());
    gguf_set_val_str(g.get(), "general.name", ("cria-" + c.preset + (c.dspark ? "-random-dspark" : "-random-dflash")).c_str());
    gguf_set_val_str(g.get(), "general.description", "random weights from cria tools/make-model (not a trained model)");
    gguf_set_val_u32(g.get(), "general.file_type", 0u);  // F32
    gguf_set_val_u32(g.get(), key("context_length").c_str(), target_u32(target.get(), tarch + ".context_length"));
    gguf_set_val_u32(g.get(), key("embedding_length").c_str(), static_cast<uint32_t>(n_embd));
    gguf_set_val_u32(g.get(), key("block_count").c_str(), static_cast<uint32_t>(n_layer));
    gguf_set_val_u32(g.get(), key("feed_forward_length").c_str(), static_cast<uint32_t>(n_ff));
    gguf_set_val_u32(g.get(), key("attention.head_count").c_str(), static_cast<uint32_t>(n_head));
    gguf_set_val_u32(g.get(), key("attention.head_count_kv").c_str(), static_cast<uint32_t>(n_head));
    gguf_set_val_u32(g.get(), key("rope.dimension_count").c_str(), static_cast<uint32_t>(head_dim));
    gguf_set_val_f32(g.get(), key("rope.freq_base").c_str(), c.rope_freq_base);
    gguf_set_val_f32(g.get(), key("attention.layer_norm_rms_epsilon").c_str(), c.rms_eps);
    gguf_set_val_u32(g.get(), key("block_size").c_str(), static_cast<uint32_t>(c.dflash_block));
    if (c.dspark) gguf_set_val_bool(g.get(), key("has_confidence_head").c_str(), true);
    gguf_set_arr_data(g.get(), key("target_layers").c_str(), GGUF_TYPE_INT32, target_layers.data(), target_layers.size());
    copy_tokenizer(target.get(), g.get());
    gguf_set_val_u32(g.get(), "tokenizer.ggml.mask_token_id", gguf_get_val_u32(target.get(), mask_at));

    // The target's token embeddings (the draft's own copy, see below).
    std::vector<float> embd;
    int64_t n_vocab = 0;
    {
        ggml_context * raw = nullptr;
        gguf_init_params dp{};
        dp.no_alloc = false;
        dp.ctx = &raw;
        std::unique_ptr<gguf_context, GgufDeleter> full(gguf_init_from_file(c.dflash_target.c_str(), dp));
        std::unique_ptr<ggml_context, GgmlDeleter> owner(raw);
        ggml_tensor * t = full && raw ? ggml_get_tensor(raw, "token_embd.weight") : nullptr;
        if (t == nullptr || t->ne[0] != n_embd || (t->type != GGML_TYPE_F16 && t->type != GGML_TYPE_F32)) {
            throw std::runtime_error("--dflash: the target has no F16/F32 token_embd.weight of its width");
        }
        n_vocab = t->ne[1];
        embd.resize(static_cast<size_t>(n_embd * n_vocab));
        if (t->type == GGML_TYPE_F16) {
            ggml_fp16_to_fp32_row(static_cast<const ggml_fp16_t *>(t->data), embd.data(), n_embd * n_vocab);
        } else {
            std::memcpy(embd.data(), t->data, embd.size() * sizeof(float));
        }
    }
    const int64_t mask = gguf_get_val_u32(target.get(), mask_at);

    // The weights make the draft guess, at every slot of a block, roughly what the target's output
    // head makes of the embedding of the block's first token (the last one known), nudged by the
    // target's hidden states and by the slot's position: the target is shallow, so that guess is
    // often the target's next token (drafts get accepted and rejected), and an injection of the
    // wrong states, or a block at the wrong positions, changes the guesses.
    //   - token_embd: the target's, but the mask token's row is a small vector m of its own; a
    //     slot's value is zero (attn_v is the identity less m's direction), its query is not: the
    //     slots attend, each differently (their positions), to the block's first token and the rows
    //     of the target's states before it. attn_output is the identity: a slot's output is an
    //     average of those values, dominated by the first token's (enc.output_norm's small weight
    //     keeps the target's states' share small); the final norm undoes the averaging's scale.
    //   - the FFN's output matrix zero: the layer is attention only.
    std::vector<std::pair<TensorSpec, std::vector<float>>> tensors;
    auto add = [&](const std::string & name, int64_t ne0, int64_t ne1, std::vector<float> values) {
        tensors.push_back({{name, ne0, ne1, GGML_TYPE_F32, Init::Constant, 0.0f, false}, std::move(values)});
    };
    auto fill = [](int64_t n, float v) { return std::vector<float>(static_cast<size_t>(n), v); };
    auto identity = [](int64_t n) {
        std::vector<float> f(static_cast<size_t>(n * n), 0.0f);
        for (int64_t i = 0; i < n; ++i) f[static_cast<size_t>(i * n + i)] = 1.0f;
        return f;
    };
    auto uniform = [&](const std::string & name, int64_t n, float stddev) { return random_values(name, n, stddev, c.seed); };
    const std::vector<float> m = uniform("mask", n_embd, 0.01f);
    std::copy(m.begin(), m.end(), embd.begin() + mask * n_embd);
    std::vector<float> value = identity(n_embd);  // I - u u^T, u = m / |m|
    {
        double norm2 = 0.0;
        for (const float x : m) norm2 += static_cast<double>(x) * x;
        for (int64_t r = 0; r < n_embd; ++r) {
            for (int64_t col = 0; col < n_embd; ++col) {
                value[static_cast<size_t>(r * n_embd + col)] -= static_cast<float>(m[r] * m[col] / norm2);
            }
        }
    }
    add("token_embd.weight", n_embd, n_vocab, std::move(embd));
    add("fc.weight", n_in, n_embd, uniform("fc.weight", n_in * n_embd, 1.0f / std::sqrt(static_cast<float>(n_in))));
    add("enc.output_norm.weight", n_embd, 0, fill(n_embd, 0.05f));
    for (int64_t il = 0; il < n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        const float inv_sqrt_embd = 1.0f / std::sqrt(static_cast<float>(n_embd));
        add(p + "attn_norm.weight", n_embd, 0, fill(n_embd, 1.0f));
        add(p + "attn_q.weight", n_embd, n_embd, uniform(p + "attn_q.weight", n_embd * n_embd, inv_sqrt_embd));
        add(p + "attn_k.weight", n_embd, n_embd, uniform(p + "attn_k.weight", n_embd * n_embd, inv_sqrt_embd));
        add(p + "attn_v.weight", n_embd, n_embd, value);
        add(p + "attn_output.weight", n_embd, n_embd, identity(n_embd));
        add(p + "attn_q_norm.weight", head_dim, 0, fill(head_dim, 0.3f));  // mild: near-even attention
        add(p + "attn_k_norm.weight", head_dim, 0, fill(head_dim, 1.0f));
        add(p + "ffn_norm.weight", n_embd, 0, fill(n_embd, 1.0f));
        add(p + "ffn_gate.weight", n_embd, n_ff, uniform(p + "ffn_gate.weight", n_embd * n_ff, inv_sqrt_embd));
        add(p + "ffn_up.weight", n_embd, n_ff, uniform(p + "ffn_up.weight", n_embd * n_ff, inv_sqrt_embd));
        add(p + "ffn_down.weight", n_ff, n_embd, fill(n_ff * n_embd, 0.0f));
    }
    add("output_norm.weight", n_embd, 0, fill(n_embd, 1.0f));
    if (c.dspark) {
        // DSpark's Markov head adds to slot i's logits markov_w2 . markov_w1[the token guessed at
        // slot i - 1] (the block's first token for slot 0): logits of a few units, enough to change
        // some guesses. Its confidence head, sigmoid(conf_proj . [slot's hidden state; that
        // markov_w1 row] + bias), is what p_min is compared with: spread around 0.5 here.
        const int64_t rank = 8;
        add("markov_w1.weight", rank, n_vocab, uniform("markov_w1.weight", rank * n_vocab, 1.0f));
        add("markov_w2.weight", rank, n_vocab, uniform("markov_w2.weight", rank * n_vocab, 1.5f));
        add("conf_proj.weight", n_embd + rank, 1, uniform("conf_proj.weight", n_embd + rank, 0.5f));
        add("conf_proj.bias", 1, 0, fill(1, 0.0f));
    }

    // Small enough to hold whole: the tensors' data in one ggml context, written in one go.
    size_t bytes = 0;
    for (const auto & t : tensors) bytes += t.second.size() * sizeof(float);
    ggml_init_params ip{};
    ip.mem_size = bytes + (tensors.size() + 1) * (ggml_tensor_overhead() + 64);
    ip.mem_buffer = nullptr;
    ip.no_alloc = false;
    std::unique_ptr<ggml_context, GgmlDeleter> data(ggml_init(ip));
    if (!data) throw std::runtime_error("ggml_init failed");
    for (const auto & [s, values] : tensors) {
        ggml_tensor * t = s.ne1 > 0 ? ggml_new_tensor_2d(data.get(), s.type, s.ne0, s.ne1)
                                    : ggml_new_tensor_1d(data.get(), s.type, s.ne0);
        ggml_set_name(t, s.name.c_str());
        std::memcpy(t->data, values.data(), values.size() * sizeof(float));
        gguf_add_tensor(g.get(), t);
    }
    const std::string tmp = c.out + ".tmp." + std::to_string(static_cast<long long>(getpid()));
    if (!gguf_write_to_file(g.get(), tmp.c_str(), /*only_meta=*/false) || std::rename(tmp.c_str(), c.out.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot write " + c.out);
    }
    std::printf("wrote %s: DFlash draft for %s (%s, n_embd=%lld), %lld layer(s), block %d, target layers %d..%d, seed=%llu\n",
                c.out.c_str(), c.dflash_target.c_str(), tarch.c_str(), static_cast<long long>(n_embd),
                static_cast<long long>(n_layer), c.dflash_block, target_layers.front(), target_layers.back(),
                static_cast<unsigned long long>(c.seed));
}

// ---------------------------------------------------------------------------------------------
// Tokenizer check: loads the vocabulary back through libllama.

void quiet_log(ggml_log_level, const char *, void *) {}

std::string token_piece(const llama_vocab * vocab, llama_token t) {
    char buf[256];
    const int32_t n = llama_token_to_piece(vocab, t, buf, sizeof(buf), 0, true);
    std::string piece;
    for (int32_t i = 0; i < n; ++i) {
        if (buf[i] == '\n') {
            piece += "\\n";
        } else {
            piece += buf[i];
        }
    }
    return piece;
}

bool check_tokenizer(const Config & c) {
    llama_model_params mp = llama_model_default_params();
    mp.vocab_only = true;
    llama_model * model = llama_model_load_from_file(c.out.c_str(), mp);
    if (!model) {
        std::fprintf(stderr, "make-model: libllama could not load %s\n", c.out.c_str());
        return false;
    }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const std::string text = "The quick brown fox jumps over the lazy dog.";
    std::vector<llama_token> toks(text.size() + 8);
    const int32_t n = llama_tokenize(vocab, text.c_str(), static_cast<int32_t>(text.size()), toks.data(),
                                     static_cast<int32_t>(toks.size()), /*add_special=*/false, /*parse_special=*/false);
    bool ok = n > 0;
    if (ok) {
        std::printf("tokenizer check: \"%s\" -> %d tokens (9 words):", text.c_str(), n);
        for (int32_t i = 0; i < n; ++i) {
            std::printf(" %d:'%s'", toks[static_cast<size_t>(i)], token_piece(vocab, toks[static_cast<size_t>(i)]).c_str());
        }
        std::printf("\n");
        ok = n <= 12;
    }
    {
        const std::string chat = "<|im_start|>user\nHello, how are you?<|im_end|>\n";
        std::vector<llama_token> ct(chat.size() + 8);
        const int32_t nc = llama_tokenize(vocab, chat.c_str(), static_cast<int32_t>(chat.size()), ct.data(),
                                          static_cast<int32_t>(ct.size()), false, /*parse_special=*/true);
        std::printf("tokenizer check: ChatML \"<|im_start|>user\\nHello, how are you?<|im_end|>\\n\" -> %d tokens:", nc);
        for (int32_t i = 0; i < nc; ++i) {
            std::printf(" '%s'", token_piece(vocab, ct[static_cast<size_t>(i)]).c_str());
        }
        std::printf("\n");
    }
    const llama_token im_end = llama_vocab_eot(vocab);
    std::printf("special tokens: bos=%d eos=%d eot=%d fim_pre=%d fim_suf=%d fim_mid=%d; eog(eos)=%d eog(<|im_end|>)=%d\n",
                llama_vocab_bos(vocab), llama_vocab_eos(vocab), llama_vocab_eot(vocab), llama_vocab_fim_pre(vocab),
                llama_vocab_fim_suf(vocab), llama_vocab_fim_mid(vocab), llama_vocab_is_eog(vocab, llama_vocab_eos(vocab)),
                llama_vocab_is_eog(vocab, im_end));
    ok = ok && llama_vocab_is_eog(vocab, im_end) && llama_vocab_is_eog(vocab, llama_vocab_eos(vocab));
    llama_model_free(model);
    return ok;
}

}  // namespace

int main(int argc, char ** argv) {
    Config c;
    try {
        c = parse_args(argc, argv);
    } catch (const std::exception & e) {
        std::fprintf(stderr, "make-model: %s\n", e.what());
        usage(argv[0]);
        return 2;
    }
    try {
        if (!c.verbose) {
            llama_log_set(quiet_log, nullptr);
        }
        const auto t0 = std::chrono::steady_clock::now();
        if (!c.dflash_target.empty()) {
            write_dflash(c);
            return 0;
        }
        if (c.lora) {
            const Written w = write_lora(c);
            std::printf("wrote %s: LoRA adapter for preset=%s (n_vocab=%d n_embd=%d n_layer=%d) rank=%d gain=%.2f seed=%llu "
                        "params=%llu size=%llu bytes\n",
                        c.out.c_str(), c.preset.c_str(), w.n_vocab, c.n_embd, c.n_layer, c.lora_rank,
                        static_cast<double>(c.lora_gain), static_cast<unsigned long long>(c.seed),
                        static_cast<unsigned long long>(w.n_params), static_cast<unsigned long long>(w.file_size));
            return 0;
        }
        const Written w = write_model(c);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("wrote %s: preset=%s type=%s seed=%llu n_vocab=%d n_embd=%d n_layer=%d n_head=%d n_head_kv=%d "
                    "n_ff=%d n_ctx_train=%d params=%llu (%.2fM) size=%llu bytes (%.2f MiB) in %.2fs\n",
                    c.out.c_str(), c.preset.c_str(), c.type.c_str(), static_cast<unsigned long long>(c.seed), w.n_vocab,
                    c.n_embd, c.n_layer, c.n_head, c.n_head_kv, c.n_ff, c.n_ctx_train,
                    static_cast<unsigned long long>(w.n_params), static_cast<double>(w.n_params) / 1e6,
                    static_cast<unsigned long long>(w.file_size), static_cast<double>(w.file_size) / (1024.0 * 1024.0),
                    secs);
        if (c.check && !check_tokenizer(c)) {
            std::fprintf(stderr, "make-model: tokenizer check failed\n");
            return 1;
        }
        return 0;
    } catch (const std::exception & e) {
        std::fprintf(stderr, "make-model: %s\n", e.what());
        return 1;
    }
}
