// make-mmproj: writes a tiny CLIP-style vision projector ("mmproj") GGUF with random weights,
// for a text model written by make-model, so the multimodal path can be tested end to end.
//
// The file follows libmtmd's LLaVA layout (clip.projector_type = "mlp"), the simplest one it
// loads: a conv patch embedding, learned position embeddings, a few pre-norm transformer
// blocks and a two-layer MLP that maps each patch to one embedding of the text model's width.
// An image becomes (image_size / patch_size)^2 embeddings, one position each in the text model.
//
// Nothing here is trained: the encoder is a deterministic random function of the pixels, which
// is all the tests need (different images give different embeddings, the same image the same).
//
// With --check (the default) the file is loaded back through libmtmd beside the text model and
// one synthetic image is encoded, so a generator that drifts from libmtmd's format fails here
// rather than in the server's tests.

#include <ggml-backend.h>
#include <ggml.h>
#include <gguf.h>
#include <llama.h>
#include <mtmd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "generator_common.h"

namespace {

using cria_tools::fnv1a;
using cria_tools::GgmlDeleter;
using cria_tools::GgufDeleter;
using cria_tools::Rng;

struct Config {
    std::string out;
    std::string text_model;  // read for its embedding width, and for the check
    uint64_t seed = 42;
    int32_t n_embd_text = 0;  // taken from the text model unless given
    int32_t image_size = 32;
    int32_t patch_size = 8;
    int32_t n_embd = 32;  // the encoder's width
    int32_t n_head = 4;
    int32_t n_ff = 64;  // must differ from n_embd: libmtmd swaps ffn up/down of old llava files when equal
    int32_t n_layer = 2;  // llava reads the second-to-last layer's output, so 2 blocks run 1
    int32_t n_proj = 64;  // the MLP projector's hidden width
    bool check = true;
};

void usage(const char * argv0) {
    std::fprintf(stderr,
                 "usage: %s --out PATH (--text-model GGUF | --n-embd-text N) [--seed N]\n"
                 "          [--image-size N] [--patch-size N] [--n-embd N] [--n-head N] [--n-ff N]\n"
                 "          [--n-layer N] [--n-proj N] [--no-check]\n"
                 "\n"
                 "Writes a LLaVA-style (\"mlp\") vision projector with deterministic random weights whose\n"
                 "output width is the text model's n_embd. An image becomes (image-size/patch-size)^2\n"
                 "embeddings (default 32/8: 16). --check (default, needs --text-model) loads it back\n"
                 "through libmtmd and encodes one image.\n",
                 argv0);
}

Config parse_args(int argc, char ** argv) {
    Config c;
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
            if (end == s.c_str() || *end != '\0' || v <= 0 || v > (1L << 20)) {
                throw std::runtime_error("invalid value for " + a + ": " + s);
            }
            return static_cast<int32_t>(v);
        };
        if (a == "--out" || a == "-o") {
            c.out = value();
        } else if (a == "--text-model") {
            c.text_model = value();
        } else if (a == "--seed") {
            const std::string s = value();
            char * end = nullptr;
            c.seed = std::strtoull(s.c_str(), &end, 10);
            if (end == s.c_str() || *end != '\0') {
                throw std::runtime_error("invalid seed: " + s);
            }
        } else if (a == "--n-embd-text") {
            c.n_embd_text = int_value();
        } else if (a == "--image-size") {
            c.image_size = int_value();
        } else if (a == "--patch-size") {
            c.patch_size = int_value();
        } else if (a == "--n-embd") {
            c.n_embd = int_value();
        } else if (a == "--n-head") {
            c.n_head = int_value();
        } else if (a == "--n-ff") {
            c.n_ff = int_value();
        } else if (a == "--n-layer") {
            c.n_layer = int_value();
        } else if (a == "--n-proj") {
            c.n_proj = int_value();
        } else if (a == "--no-check") {
            c.check = false;
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
    if (c.text_model.empty() && (c.n_embd_text == 0 || c.check)) {
        throw std::runtime_error("--text-model is required (or --n-embd-text N with --no-check)");
    }
    if (c.image_size % c.patch_size != 0) {
        throw std::runtime_error("--image-size must be a multiple of --patch-size");
    }
    if (c.n_embd % c.n_head != 0) {
        throw std::runtime_error("--n-embd must be a multiple of --n-head");
    }
    if (c.n_ff == c.n_embd) {
        throw std::runtime_error("--n-ff must differ from --n-embd (libmtmd would swap ffn up and down)");
    }
    return c;
}

// The text model's embedding width, read from its metadata.
int32_t text_model_n_embd(const std::string & path) {
    gguf_init_params params{};
    params.no_alloc = true;
    params.ctx = nullptr;
    gguf_context * g = gguf_init_from_file(path.c_str(), params);
    if (!g) {
        throw std::runtime_error("cannot read " + path + " as GGUF");
    }
    int32_t n = 0;
    const int64_t arch_key = gguf_find_key(g, "general.architecture");
    if (arch_key >= 0) {
        const std::string key = std::string(gguf_get_val_str(g, arch_key)) + ".embedding_length";
        const int64_t k = gguf_find_key(g, key.c_str());
        if (k >= 0) {
            n = static_cast<int32_t>(gguf_get_val_u32(g, k));
        }
    }
    gguf_free(g);
    if (n <= 0) {
        throw std::runtime_error(path + " has no <arch>.embedding_length");
    }
    return n;
}

struct TensorSpec {
    std::string name;
    std::vector<int64_t> ne;  // ggml order: ne[0] is the row length
    float stddev;             // 0: all ones (norm weights); < 0: all zeros (biases)
};

int64_t n_elements(const TensorSpec & s) {
    int64_t n = 1;
    for (int64_t d : s.ne) {
        n *= d;
    }
    return n;
}

std::vector<TensorSpec> tensor_specs(const Config & c) {
    const int64_t d = c.n_embd;
    const int64_t n_patches = static_cast<int64_t>(c.image_size / c.patch_size) * (c.image_size / c.patch_size);
    const float inv_sqrt_d = 1.0f / std::sqrt(static_cast<float>(d));
    const float inv_sqrt_ff = 1.0f / std::sqrt(static_cast<float>(c.n_ff));
    const float inv_sqrt_proj = 1.0f / std::sqrt(static_cast<float>(c.n_proj));
    const float inv_sqrt_patch = 1.0f / std::sqrt(static_cast<float>(3 * c.patch_size * c.patch_size));
    const float kZero = -1.0f, kOne = 0.0f;

    std::vector<TensorSpec> s;
    // Patch embedding: a conv kernel [patch, patch, 3 channels] -> d, with a bias.
    s.push_back({"v.patch_embd.weight", {c.patch_size, c.patch_size, 3, d}, inv_sqrt_patch});
    s.push_back({"v.patch_embd.bias", {d}, kZero});
    // Small next to the patches': the picture, not the place, should drive what the model sees.
    s.push_back({"v.position_embd.weight", {d, n_patches}, 0.05f});
    for (int32_t il = 0; il < c.n_layer; ++il) {
        const std::string p = "v.blk." + std::to_string(il) + ".";
        s.push_back({p + "ln1.weight", {d}, kOne});
        s.push_back({p + "ln1.bias", {d}, kZero});
        s.push_back({p + "attn_q.weight", {d, d}, inv_sqrt_d});
        s.push_back({p + "attn_k.weight", {d, d}, inv_sqrt_d});
        s.push_back({p + "attn_v.weight", {d, d}, inv_sqrt_d});
        s.push_back({p + "attn_out.weight", {d, d}, inv_sqrt_d});
        s.push_back({p + "ln2.weight", {d}, kOne});
        s.push_back({p + "ln2.bias", {d}, kZero});
        s.push_back({p + "ffn_up.weight", {d, c.n_ff}, inv_sqrt_d});
        s.push_back({p + "ffn_down.weight", {c.n_ff, d}, inv_sqrt_ff});
    }
    // The projector: d -> n_proj -> GELU -> the text model's width.
    s.push_back({"mm.0.weight", {d, c.n_proj}, inv_sqrt_d});
    s.push_back({"mm.0.bias", {c.n_proj}, kZero});
    s.push_back({"mm.2.weight", {c.n_proj, c.n_embd_text}, inv_sqrt_proj});
    s.push_back({"mm.2.bias", {c.n_embd_text}, kZero});
    return s;
}

// All tensors are F32: the file stays tiny anyway, and F32 keeps encoding exact and simple.
std::vector<float> tensor_values(const TensorSpec & s, uint64_t seed) {
    const int64_t n = n_elements(s);
    if (s.stddev < 0.0f) {
        return std::vector<float>(static_cast<size_t>(n), 0.0f);
    }
    if (s.stddev == 0.0f) {
        return std::vector<float>(static_cast<size_t>(n), 1.0f);
    }
    std::vector<float> v(static_cast<size_t>(n));
    Rng rng(seed ^ fnv1a(s.name));
    const float scale = s.stddev * std::sqrt(3.0f);  // uniform [-a, a) has std a/sqrt(3)
    for (float & x : v) {
        x = scale * rng.uniform_pm1();
    }
    return v;
}


void write_mmproj(const Config & c) {
    std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_empty());
    gguf_set_val_str(g.get(), "general.architecture", "clip");
    gguf_set_val_str(g.get(), "general.name", "cria-tiny-mmproj-random");
    gguf_set_val_str(g.get(), "general.description", "random weights from cria tools/make-mmproj (not a trained model)");
    gguf_set_val_u32(g.get(), "general.file_type", 0u);  // all F32
    gguf_set_val_str(g.get(), "clip.projector_type", "mlp");
    gguf_set_val_bool(g.get(), "clip.has_vision_encoder", true);
    gguf_set_val_bool(g.get(), "clip.has_text_encoder", false);
    gguf_set_val_bool(g.get(), "clip.has_llava_projector", true);
    gguf_set_val_bool(g.get(), "clip.use_gelu", true);
    gguf_set_val_u32(g.get(), "clip.vision.image_size", static_cast<uint32_t>(c.image_size));
    gguf_set_val_u32(g.get(), "clip.vision.patch_size", static_cast<uint32_t>(c.patch_size));
    gguf_set_val_u32(g.get(), "clip.vision.embedding_length", static_cast<uint32_t>(c.n_embd));
    gguf_set_val_u32(g.get(), "clip.vision.feed_forward_length", static_cast<uint32_t>(c.n_ff));
    gguf_set_val_u32(g.get(), "clip.vision.block_count", static_cast<uint32_t>(c.n_layer));
    gguf_set_val_u32(g.get(), "clip.vision.attention.head_count", static_cast<uint32_t>(c.n_head));
    gguf_set_val_f32(g.get(), "clip.vision.attention.layer_norm_epsilon", 1e-5f);
    gguf_set_val_u32(g.get(), "clip.vision.projection_dim", static_cast<uint32_t>(c.n_embd_text));
    const float mean[3] = {0.5f, 0.5f, 0.5f};
    const float stdv[3] = {0.5f, 0.5f, 0.5f};
    gguf_set_arr_data(g.get(), "clip.vision.image_mean", GGUF_TYPE_FLOAT32, mean, 3);
    gguf_set_arr_data(g.get(), "clip.vision.image_std", GGUF_TYPE_FLOAT32, stdv, 3);

    const std::vector<TensorSpec> specs = tensor_specs(c);
    ggml_init_params ip{};
    ip.mem_size = (specs.size() + 1) * ggml_tensor_overhead();
    ip.no_alloc = true;
    std::unique_ptr<ggml_context, GgmlDeleter> meta(ggml_init(ip));
    if (!meta) {
        throw std::runtime_error("ggml_init failed");
    }
    std::vector<std::vector<float>> data;
    data.reserve(specs.size());
    for (const TensorSpec & s : specs) {
        ggml_tensor * t = ggml_new_tensor(meta.get(), GGML_TYPE_F32, static_cast<int>(s.ne.size()), s.ne.data());
        ggml_set_name(t, s.name.c_str());
        gguf_add_tensor(g.get(), t);
        data.push_back(tensor_values(s, c.seed));
        gguf_set_tensor_data(g.get(), s.name.c_str(), data.back().data());
    }

    // Write to a temporary name and rename, so readers never see a half-written file.
    const std::string tmp = c.out + ".tmp." + std::to_string(static_cast<long long>(getpid()));
    if (!gguf_write_to_file(g.get(), tmp.c_str(), /*only_meta=*/false)) {
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), c.out.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot rename " + tmp + " to " + c.out);
    }
    int64_t n_params = 0;
    for (const TensorSpec & s : specs) {
        n_params += n_elements(s);
    }
    const int32_t side = c.image_size / c.patch_size;
    std::printf("wrote %s: mlp projector, image %dx%d, patch %d -> %d embeddings of width %d; encoder n_embd=%d "
                "n_layer=%d n_head=%d n_ff=%d; %lld params\n",
                c.out.c_str(), c.image_size, c.image_size, c.patch_size, side * side, c.n_embd_text, c.n_embd,
                c.n_layer, c.n_head, c.n_ff, static_cast<long long>(n_params));
}

void quiet_log(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR) {
        std::fputs(text, stderr);
    }
}

// Loads the projector through libmtmd beside the text model and encodes one synthetic image.
bool check_with_libmtmd(const Config & c) {
    llama_log_set(quiet_log, nullptr);
    mtmd_log_set(quiet_log, nullptr);
    ggml_backend_load_all();  // Debian's ggml loads its CPU backend as a plugin
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model * model = llama_model_load_from_file(c.text_model.c_str(), mp);
    if (!model) {
        std::fprintf(stderr, "make-mmproj: libllama could not load %s\n", c.text_model.c_str());
        return false;
    }
    mtmd_context_params params = mtmd_context_params_default();
    params.use_gpu = false;
    params.n_threads = 1;
    params.print_timings = false;
    params.warmup = false;
    mtmd_context * ctx = mtmd_init_from_file(c.out.c_str(), model, params);
    bool ok = ctx != nullptr && mtmd_support_vision(ctx);
    if (ok) {
        // A 20x12 gradient: not the encoder's size, so preprocessing (resize, pad) runs too.
        const uint32_t nx = 20, ny = 12;
        std::vector<unsigned char> rgb(nx * ny * 3);
        for (size_t i = 0; i < rgb.size(); ++i) {
            rgb[i] = static_cast<unsigned char>((i * 7) % 256);
        }
        mtmd_bitmap * bitmap = mtmd_bitmap_init(nx, ny, rgb.data());
        mtmd_input_chunks * chunks = mtmd_input_chunks_init();
        const std::string prompt = std::string("look: ") + mtmd_default_marker() + " done";
        mtmd_input_text text{prompt.c_str(), prompt.size(), true, true};
        const mtmd_bitmap * bitmaps[1] = {bitmap};
        ok = mtmd_tokenize(ctx, chunks, &text, bitmaps, 1) == 0;
        size_t n_image_tokens = 0;
        for (size_t i = 0; ok && i < mtmd_input_chunks_size(chunks); ++i) {
            const mtmd_input_chunk * chunk = mtmd_input_chunks_get(chunks, i);
            if (mtmd_input_chunk_get_type(chunk) != MTMD_INPUT_CHUNK_TYPE_IMAGE) {
                continue;
            }
            n_image_tokens = mtmd_input_chunk_get_n_tokens(chunk);
            ok = mtmd_encode_chunk(ctx, chunk) == 0;
            if (ok) {
                const float * embd = mtmd_get_output_embd(ctx);
                const size_t n = n_image_tokens * static_cast<size_t>(c.n_embd_text);
                double sum_sq = 0.0;
                for (size_t k = 0; k < n; ++k) {
                    sum_sq += static_cast<double>(embd[k]) * embd[k];
                }
                ok = std::isfinite(sum_sq) && sum_sq > 0.0;
                std::printf("mtmd check: %zu chunks, image -> %zu embeddings, rms %.3f\n",
                            mtmd_input_chunks_size(chunks), n_image_tokens, std::sqrt(sum_sq / static_cast<double>(n)));
            }
        }
        const int32_t side = c.image_size / c.patch_size;
        ok = ok && n_image_tokens == static_cast<size_t>(side * side);
        mtmd_input_chunks_free(chunks);
        mtmd_bitmap_free(bitmap);
    }
    if (ctx) {
        mtmd_free(ctx);
    }
    llama_model_free(model);
    return ok;
}

}  // namespace

int main(int argc, char ** argv) {
    Config c;
    try {
        c = parse_args(argc, argv);
    } catch (const std::exception & e) {
        std::fprintf(stderr, "make-mmproj: %s\n", e.what());
        usage(argv[0]);
        return 2;
    }
    try {
        if (c.n_embd_text == 0) {
            c.n_embd_text = text_model_n_embd(c.text_model);
        }
        write_mmproj(c);
        if (c.check && !check_with_libmtmd(c)) {
            std::fprintf(stderr, "make-mmproj: libmtmd could not load and run %s\n", c.out.c_str());
            return 1;
        }
        return 0;
    } catch (const std::exception & e) {
        std::fprintf(stderr, "make-mmproj: %s\n", e.what());
        return 1;
    }
}
