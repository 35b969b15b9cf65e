#include "engine/memory_fit.h"

#include <algorithm>
#include <climits>

#include "util/value_parse.h"

namespace cria {

namespace {

constexpr int64_t kMiB = 1024 * 1024;
constexpr int32_t kCtxStep = 256;  // contexts fit chooses are multiples of this per stream (as llama-server's)

std::string mib(int64_t bytes) { return std::to_string(bytes / kMiB) + " MiB"; }

// The margin of device `i` in bytes: one value applies to every device; a shorter list repeats its
// last value.
int64_t margin_of(const MemoryFitConfig& fit, size_t i) {
    if (fit.target_mib.empty()) return 0;
    return fit.target_mib[std::min(i, fit.target_mib.size() - 1)] * kMiB;
}

struct Sizes {
    const FitRequest& request;
    const FitModel& model;

    int32_t layers() const { return model.n_layer + 1; }  // -ngl counts the output layer
    int32_t streams() const { return std::max(1, request.n_streams); }
    int32_t min_ctx() const {
        return static_cast<int32_t>(std::min<int64_t>(int64_t{request.fit.min_ctx} * streams(), INT32_MAX));
    }
    // One layer's share of the weights and of the KV cache at `ctx` tokens.
    int64_t per_layer(int32_t ctx) const {
        return (model.weight_bytes + model.kv_bytes_per_token * static_cast<int64_t>(ctx)) / layers();
    }
    int64_t host_need(int32_t ctx) const {
        return model.weight_bytes + model.kv_bytes_per_token * static_cast<int64_t>(ctx) + model.compute_bytes;
    }
    bool host_fits(int32_t ctx) const {
        return request.host_free_bytes - host_need(ctx) >= margin_of(request.fit, 0);
    }
    // How many whole layers device `i` holds at `ctx` with its margin and a compute buffer kept.
    int32_t capacity(size_t i, int32_t ctx) const {
        const int64_t room = request.gpus[i].free_bytes - margin_of(request.fit, i) - model.compute_bytes;
        const int64_t each = std::max<int64_t>(1, per_layer(ctx));
        return room <= 0 ? 0 : static_cast<int32_t>(std::min<int64_t>(room / each, layers()));
    }
    int32_t total_capacity(int32_t ctx) const {
        int64_t sum = 0;
        for (size_t i = 0; i < request.gpus.size(); ++i) sum += capacity(i, ctx);
        return static_cast<int32_t>(std::min<int64_t>(sum, layers()));
    }
    bool fits(int32_t ctx, int32_t gpu_layers) const {
        return request.gpus.empty() ? host_fits(ctx) : total_capacity(ctx) >= gpu_layers;
    }
};

// The largest context in [floor, ceiling], a multiple of `step` or the floor itself, at which
// `fits` holds; 0 when none does.
template <typename Fits>
int32_t largest_fitting_ctx(int32_t floor, int32_t ceiling, int32_t step, Fits fits) {
    for (int32_t ctx = ceiling - ceiling % step; ctx > floor; ctx -= step) {
        if (ctx < ceiling && fits(ctx)) return ctx;
    }
    return fits(floor) ? floor : 0;
}

FitPlan unchanged(const FitRequest& request) {
    FitPlan plan;
    plan.n_ctx = request.n_ctx;
    plan.n_gpu_layers = request.n_gpu_layers;
    return plan;
}

// Steps 3-5 of the header: whole layers on the GPUs, back to front.
void place_layers(const Sizes& sizes, int32_t ctx, FitPlan* plan) {
    const FitRequest& request = sizes.request;
    const size_t n_dev = request.gpus.size();
    std::vector<int32_t> counts(n_dev, 0);
    int32_t remaining = sizes.layers();
    for (size_t i = n_dev; i-- > 0 && remaining > 0;) {
        counts[i] = std::min(sizes.capacity(i, ctx), remaining);
        remaining -= counts[i];
    }
    const int32_t offloaded = sizes.layers() - remaining;
    plan->n_ctx = ctx;
    plan->n_gpu_layers = offloaded;
    std::string where;
    if (n_dev > 1) {
        plan->tensor_split.assign(counts.begin(), counts.end());
        for (size_t i = 0; i < n_dev; ++i) {
            where += (where.empty() ? " (" : ", ") + request.gpus[i].name + ": " + std::to_string(counts[i]);
        }
        where += ")";
    }
    plan->changed = true;
    plan->fits = true;
    plan->log.push_back("fit: -ngl " + std::to_string(offloaded) + " of " + std::to_string(sizes.layers()) +
                        " layers on the GPU" + where + ", the rest on the CPU; context " + std::to_string(ctx));
}

// Step 1's line: everything fits as given.
std::string no_change_line(const Sizes& sizes, int32_t ctx, int32_t gpu_layers) {
    const FitRequest& request = sizes.request;
    if (request.gpus.empty()) {
        return "fit: no GPU device; the model and a context of " + std::to_string(ctx) + " tokens need " +
               mib(sizes.host_need(ctx)) + " of " + mib(request.host_free_bytes) +
               " host memory, leaving at least the target of " + mib(margin_of(request.fit, 0)) + ": no changes needed";
    }
    return "fit: " + std::to_string(gpu_layers) + " layers and a context of " + std::to_string(ctx) +
           " tokens fit in the GPU memory with every target kept: no changes needed";
}

// Step 2: the largest context that lets everything fit, 0 when none (or the user set it); *why
// says why there was no search.
int32_t smaller_context(const Sizes& sizes, int32_t ctx_max, int32_t gpu_layers, std::string* why) {
    const FitRequest& request = sizes.request;
    if (request.fit.ctx_given) {
        *why = "fit: the context size was set by the user (-c " + std::to_string(request.n_ctx) +
               "): no automatic reduction";
        return 0;
    }
    if (ctx_max <= sizes.min_ctx()) {
        *why = "fit: the context of " + std::to_string(ctx_max) + " tokens is not above the minimum of " +
               std::to_string(sizes.min_ctx()) + " (-fitc" + (sizes.streams() > 1 ? " per KV stream" : "") +
               "): no reduction";
        return 0;
    }
    return largest_fitting_ctx(sizes.min_ctx(), ctx_max, kCtxStep * sizes.streams(),
                               [&](int32_t c) { return sizes.fits(c, gpu_layers); });
}

// Steps 3-4: why the layers cannot be moved ("" = they can).
std::string blocker(const Sizes& sizes) {
    const FitRequest& request = sizes.request;
    if (request.gpus.empty()) {
        return "no GPU device, and the model does not fit in host memory with a target of " +
               mib(margin_of(request.fit, 0)) + " free";
    }
    if (request.n_gpu_layers >= 0) return "-ngl was set by the user to " + std::to_string(request.n_gpu_layers);
    if (request.gpus.size() > 1 && request.tensor_split_given) return "the tensor split (-ts) was set by the user";
    if (request.tensor_overrides_given) return "tensor placement (-ot, --cpu-moe, --n-cpu-moe) was set by the user";
    return "";
}

}  // namespace

FitPlan plan_memory_fit(const FitRequest& request, const FitModel& model) {
    FitPlan plan = unchanged(request);
    if (!request.fit.enabled || model.n_layer <= 0) {
        plan.log.push_back(request.fit.enabled ? "fit: the model's layers are unknown: the options are used as given"
                                               : "fit: off (-fit off): the options are used as given");
        return plan;
    }
    const Sizes sizes{request, model};
    const int32_t ctx_max = request.n_ctx > 0 ? request.n_ctx : std::max(model.n_ctx_train, 0);
    const int32_t asked_layers = request.n_gpu_layers < 0 ? sizes.layers() : std::min(request.n_gpu_layers, sizes.layers());
    if (sizes.fits(ctx_max, asked_layers)) {
        plan.fits = true;
        plan.log.push_back(no_change_line(sizes, ctx_max, asked_layers));
        return plan;
    }
    std::string why;
    const int32_t best = smaller_context(sizes, ctx_max, asked_layers, &why);
    if (best > 0) {
        plan.n_ctx = best;
        plan.changed = plan.fits = true;
        plan.log.push_back("fit: context reduced from " + std::to_string(ctx_max) + " to " + std::to_string(best) +
                           " tokens: the whole model fits" + (request.gpus.empty() ? " in host memory" : " on the GPUs"));
        return plan;
    }
    if (!why.empty()) plan.log.push_back(why);
    const std::string stop = blocker(sizes);
    if (!stop.empty()) {
        plan.log.push_back("fit: cannot fit the model to the memory targets (" + stop + "): the options are used as given");
        return plan;
    }
    const int32_t ctx = why.empty() ? sizes.min_ctx() : ctx_max;  // no context fitted: the floor
    if (ctx != ctx_max) {
        plan.log.push_back("fit: context reduced from " + std::to_string(ctx_max) + " to the minimum of " +
                           std::to_string(ctx) + " tokens");
    }
    place_layers(sizes, ctx, &plan);
    return plan;
}

std::string parse_fit_targets(const std::string& text, std::vector<int64_t>* out) {
    std::vector<int64_t> values;
    for (const auto& item : util::split_list(text, ',')) {
        const auto n = util::parse_int(util::trim(item));
        if (!n || *n < 0 || *n > (int64_t{1} << 40)) return "expected comma-separated sizes in MiB (0 or more), e.g. 1024";
        values.push_back(*n);
    }
    if (values.empty()) return "must not be empty";
    *out = std::move(values);
    return "";
}

}  // namespace cria
