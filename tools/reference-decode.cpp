// reference-decode: the plainest single-sequence greedy decode loop on libllama.
//
// Tests use its output as the ground truth for greedy generation: the prompt is decoded in one
// llama_batch, then one token at a time is appended, always picking the argmax of the logits
// (lowest token id on ties), until N tokens or an end-of-generation token.
//
// Output (stdout, one JSON line):
//   {"prompt_tokens":[...],"tokens":[...],"content":"...","stop":"length"|"eog"|"context"}
// with --tokens also "pieces":[...] (the text of each generated token), and with --stats also
// "stats":{...} about the margin between the best and second-best logit at each step.

#include <ggml-backend.h>
#include <llama-cpp.h>
#include <llama.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Args {
    std::string model;
    std::string prompt;
    std::string prompt_tokens;  // comma-separated ids, replaces --prompt when given
    int32_t n_predict = 16;
    int32_t n_ctx = 4096;
    int32_t n_threads = 0;
    llama_flash_attn_type flash_attn = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    bool pieces = false;
    bool stats = false;
    bool verbose = false;
};

void usage(const char * argv0) {
    std::fprintf(stderr,
                 "usage: %s -m MODEL (-p PROMPT | --prompt-tokens ID,ID,...) [-n N] [--ctx N] [--threads N]\n"
                 "          [--flash-attn on|off|auto] [--tokens] [--stats] [--verbose]\n"
                 "\n"
                 "Greedy-decodes N tokens after PROMPT (tokenized with add_special=true, parse_special=false)\n"
                 "and prints one JSON line: {\"prompt_tokens\":[...],\"tokens\":[...],\"content\":\"...\",\"stop\":...}\n"
                 "  -n N            tokens to generate (default 16)\n"
                 "  --ctx N         context size (default 4096)\n"
                 "  --threads N     CPU threads (default: hardware concurrency)\n"
                 "  --flash-attn    libllama's flash attention setting (default off, as cria on CPU)\n"
                 "  --prompt-tokens use these token ids as the prompt instead of tokenizing -p\n"
                 "  --tokens        also print \"pieces\": the text of each generated token\n"
                 "  --stats         also print \"stats\": top-1 minus top-2 logit gaps over the generated steps\n"
                 "  --verbose       keep libllama's log output (stderr)\n",
                 argv0);
}

int32_t parse_int(const std::string & flag, const std::string & s, int32_t min_value) {
    char * end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (end == s.c_str() || *end != '\0' || v < min_value || v > INT32_MAX) {
        throw std::invalid_argument("invalid value for " + flag + ": '" + s + "'");
    }
    return static_cast<int32_t>(v);
}

Args parse_args(int argc, char ** argv) {
    Args a;
    bool have_prompt = false;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw std::invalid_argument("missing value for " + flag);
            }
            return argv[++i];
        };
        if (flag == "-m" || flag == "--model") {
            a.model = value();
        } else if (flag == "-p" || flag == "--prompt") {
            a.prompt = value();
            have_prompt = true;
        } else if (flag == "--prompt-tokens") {
            a.prompt_tokens = value();
            have_prompt = true;
        } else if (flag == "-n" || flag == "--n-predict") {
            a.n_predict = parse_int(flag, value(), 0);
        } else if (flag == "-c" || flag == "--ctx") {
            a.n_ctx = parse_int(flag, value(), 1);
        } else if (flag == "-t" || flag == "--threads") {
            a.n_threads = parse_int(flag, value(), 1);
        } else if (flag == "-fa" || flag == "--flash-attn") {
            const std::string v = value();
            if (v == "on") {
                a.flash_attn = LLAMA_FLASH_ATTN_TYPE_ENABLED;
            } else if (v == "off") {
                a.flash_attn = LLAMA_FLASH_ATTN_TYPE_DISABLED;
            } else if (v == "auto") {
                a.flash_attn = LLAMA_FLASH_ATTN_TYPE_AUTO;
            } else {
                throw std::invalid_argument("--flash-attn must be on, off or auto");
            }
        } else if (flag == "--tokens") {
            a.pieces = true;
        } else if (flag == "--stats") {
            a.stats = true;
        } else if (flag == "-v" || flag == "--verbose") {
            a.verbose = true;
        } else if (flag == "-h" || flag == "--help") {
            usage(argv[0]);
            std::exit(0);
        } else {
            throw std::invalid_argument("unknown argument: " + flag);
        }
    }
    if (a.model.empty()) {
        throw std::invalid_argument("-m MODEL is required");
    }
    if (!have_prompt) {
        throw std::invalid_argument("-p PROMPT is required");
    }
    return a;
}

// JSON string escaping; invalid UTF-8 sequences become U+FFFD.
void append_json_string(std::string & out, const std::string & s) {
    static const char * const hex = "0123456789abcdef";
    out += '"';
    const auto * p = reinterpret_cast<const unsigned char *>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                default:
                    if (c < 0x20 || c == 0x7F) {
                        out += "\\u00";
                        out += hex[c >> 4];
                        out += hex[c & 0xF];
                    } else {
                        out += static_cast<char>(c);
                    }
            }
            ++i;
            continue;
        }
        // Multi-byte sequence: check lead byte, length, continuation bytes, overlongs,
        // surrogates and the upper bound U+10FFFF.
        size_t len = 0;
        uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        }
        bool valid = len > 0 && i + len <= n;
        for (size_t k = 1; valid && k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) {
                valid = false;
            } else {
                cp = (cp << 6) | (p[i + k] & 0x3F);
            }
        }
        if (valid) {
            valid = !((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                      (cp >= 0xD800 && cp <= 0xDFFF));
        }
        if (valid) {
            out.append(s, i, len);
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;  // resynchronize on the next byte
        }
    }
    out += '"';
}

void append_token_array(std::string & out, const std::vector<llama_token> & tokens) {
    out += '[';
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += std::to_string(tokens[i]);
    }
    out += ']';
}

std::string token_to_piece(const llama_vocab * vocab, llama_token token) {
    std::string piece(64, '\0');
    int32_t n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, false);
    if (n < 0) {
        piece.resize(static_cast<size_t>(-n));
        n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, false);
    }
    if (n < 0) {
        throw std::runtime_error("llama_token_to_piece failed for token " + std::to_string(token));
    }
    piece.resize(static_cast<size_t>(n));
    return piece;
}

std::vector<llama_token> tokenize(const llama_vocab * vocab, const std::string & text) {
    std::vector<llama_token> tokens(text.size() + 8);
    int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                               static_cast<int32_t>(tokens.size()), /*add_special=*/true, /*parse_special=*/false);
    if (n < 0 && n != INT32_MIN) {
        tokens.resize(static_cast<size_t>(-n));
        n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                           static_cast<int32_t>(tokens.size()), true, false);
    }
    if (n < 0) {
        throw std::runtime_error("tokenization failed");
    }
    tokens.resize(static_cast<size_t>(n));
    return tokens;
}

std::vector<llama_token> parse_token_list(const std::string & s, int32_t n_vocab) {
    std::vector<llama_token> tokens;
    size_t start = 0;
    while (start <= s.size()) {
        const size_t comma = s.find(',', start);
        const std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const int32_t id = parse_int("--prompt-tokens", item, 0);
        if (id >= n_vocab) {
            throw std::invalid_argument("--prompt-tokens: token id " + item + " is out of range");
        }
        tokens.push_back(id);
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return tokens;
}

void quiet_log(ggml_log_level, const char *, void *) {}

int run(const Args & args) {
    if (!args.verbose) {
        llama_log_set(quiet_log, nullptr);
    }
    ggml_backend_load_all();
    llama_backend_init();

    llama_model_params mparams = llama_model_default_params();
    llama_model_ptr model(llama_model_load_from_file(args.model.c_str(), mparams));
    if (!model) {
        throw std::runtime_error("cannot load model '" + args.model + "'");
    }
    const llama_vocab * vocab = llama_model_get_vocab(model.get());
    const int32_t n_vocab = llama_vocab_n_tokens(vocab);

    const std::vector<llama_token> prompt =
        args.prompt_tokens.empty() ? tokenize(vocab, args.prompt) : parse_token_list(args.prompt_tokens, n_vocab);
    if (prompt.empty()) {
        throw std::runtime_error("the prompt has no tokens");
    }
    if (static_cast<int64_t>(prompt.size()) > args.n_ctx) {
        throw std::runtime_error("the prompt (" + std::to_string(prompt.size()) + " tokens) does not fit in --ctx " +
                                 std::to_string(args.n_ctx));
    }

    const int32_t n_threads =
        args.n_threads > 0 ? args.n_threads : std::max(1, static_cast<int32_t>(std::thread::hardware_concurrency()));
    llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = static_cast<uint32_t>(args.n_ctx);
    cparams.n_batch = std::max<uint32_t>(cparams.n_batch, static_cast<uint32_t>(prompt.size()));
    cparams.n_seq_max = 1;
    cparams.n_threads = n_threads;
    cparams.n_threads_batch = n_threads;
    cparams.flash_attn_type = args.flash_attn;
    llama_context_ptr ctx(llama_init_from_model(model.get(), cparams));
    if (!ctx) {
        throw std::runtime_error("cannot create a context");
    }
    const int32_t n_ctx = static_cast<int32_t>(llama_n_ctx(ctx.get()));

    // The whole prompt in one batch, logits for its last token only.
    llama_batch batch = llama_batch_init(static_cast<int32_t>(prompt.size()), 0, 1);
    struct BatchFree {
        llama_batch & b;
        ~BatchFree() { llama_batch_free(b); }
    } batch_free{batch};
    auto fill = [&](const llama_token * tokens, int32_t n, llama_pos pos0) {
        batch.n_tokens = n;
        for (int32_t i = 0; i < n; ++i) {
            batch.token[i] = tokens[i];
            batch.pos[i] = pos0 + i;
            batch.n_seq_id[i] = 1;
            batch.seq_id[i][0] = 0;
            batch.logits[i] = (i == n - 1) ? 1 : 0;
        }
    };
    fill(prompt.data(), static_cast<int32_t>(prompt.size()), 0);
    if (const int32_t rc = llama_decode(ctx.get(), batch); rc != 0) {
        throw std::runtime_error("llama_decode failed on the prompt (" + std::to_string(rc) + ")");
    }

    std::vector<llama_token> generated;
    std::vector<std::string> pieces;
    std::vector<double> gaps;
    std::string content;
    std::string stop = "length";
    llama_pos pos = static_cast<llama_pos>(prompt.size());
    while (static_cast<int32_t>(generated.size()) < args.n_predict) {
        const float * logits = llama_get_logits_ith(ctx.get(), -1);
        if (!logits) {
            throw std::runtime_error("no logits");
        }
        llama_token best = 0;
        for (llama_token t = 1; t < n_vocab; ++t) {
            if (logits[t] > logits[best]) {
                best = t;
            }
        }
        if (args.stats) {
            float second = -INFINITY;
            for (llama_token t = 0; t < n_vocab; ++t) {
                if (t != best && logits[t] > second) {
                    second = logits[t];
                }
            }
            gaps.push_back(static_cast<double>(logits[best]) - static_cast<double>(second));
        }
        if (llama_vocab_is_eog(vocab, best)) {
            stop = "eog";
            break;
        }
        generated.push_back(best);
        const std::string piece = token_to_piece(vocab, best);
        content += piece;
        if (args.pieces) {
            pieces.push_back(piece);
        }
        if (static_cast<int32_t>(generated.size()) >= args.n_predict) {
            break;
        }
        if (pos >= n_ctx) {
            stop = "context";
            break;
        }
        fill(&best, 1, pos);
        if (const int32_t rc = llama_decode(ctx.get(), batch); rc != 0) {
            throw std::runtime_error("llama_decode failed at position " + std::to_string(pos) + " (" +
                                     std::to_string(rc) + ")");
        }
        ++pos;
    }

    std::string out = "{\"prompt_tokens\":";
    append_token_array(out, prompt);
    out += ",\"tokens\":";
    append_token_array(out, generated);
    out += ",\"content\":";
    append_json_string(out, content);
    out += ",\"stop\":";
    append_json_string(out, stop);
    if (args.pieces) {
        out += ",\"pieces\":[";
        for (size_t i = 0; i < pieces.size(); ++i) {
            if (i > 0) {
                out += ',';
            }
            append_json_string(out, pieces[i]);
        }
        out += ']';
    }
    if (args.stats) {
        std::vector<double> sorted = gaps;
        std::sort(sorted.begin(), sorted.end());
        double sum = 0.0;
        for (double g : gaps) {
            sum += g;
        }
        char buf[256];
        std::snprintf(buf, sizeof(buf), ",\"stats\":{\"steps\":%zu,\"gap_mean\":%.6g,\"gap_min\":%.6g,\"gap_median\":%.6g}",
                      gaps.size(), gaps.empty() ? 0.0 : sum / static_cast<double>(gaps.size()),
                      sorted.empty() ? 0.0 : sorted.front(), sorted.empty() ? 0.0 : sorted[sorted.size() / 2]);
        out += buf;
    }
    out += "}\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char ** argv) {
    Args args;
    try {
        args = parse_args(argc, argv);
    } catch (const std::exception & e) {
        std::fprintf(stderr, "reference-decode: %s\n", e.what());
        usage(argv[0]);
        return 2;
    }
    try {
        const int rc = run(args);
        llama_backend_free();
        return rc;
    } catch (const std::exception & e) {
        std::fprintf(stderr, "reference-decode: %s\n", e.what());
        return 1;
    }
}
