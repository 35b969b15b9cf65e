// CPU placement: -C masks and -Cr ranges (util/cpu_set.h), the inheritance of unset settings
// (engine/cpu_placement.h), and the options that write them (options/cpu_placement_options.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/cpu_placement.h"
#include "options/server_options.h"
#include "util/cpu_set.h"

namespace {

using cria::util::CpuSet;

std::string mask_cpus(const std::string& text) {
    CpuSet cpus;
    const std::string why = cria::util::add_cpu_mask(text, &cpus);
    return why.empty() ? cria::util::cpu_list(cpus) : "error: " + why;
}

std::string range_cpus(const std::string& text) {
    CpuSet cpus;
    const std::string why = cria::util::add_cpu_range(text, &cpus);
    return why.empty() ? cria::util::cpu_list(cpus) : "error: " + why;
}

cria::ParseOutcome parse(std::vector<std::string> args) {
    args.insert(args.begin(), {"cria", "-m", "model.gguf"});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return cria::parse_server_options(static_cast<int>(argv.size()), argv.data(),
                                      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

TEST(CpuMask, LastDigitHoldsTheFirstCpus) {
    EXPECT_EQ(mask_cpus("0x1"), "0");
    EXPECT_EQ(mask_cpus("1"), "0");
    EXPECT_EQ(mask_cpus("0X3"), "0-1");
    EXPECT_EQ(mask_cpus("0xa"), "1,3");
    EXPECT_EQ(mask_cpus("0xF0"), "4-7");
    EXPECT_EQ(mask_cpus("0x100"), "8");
    EXPECT_EQ(mask_cpus("0x0"), "");  // no CPU: no placement
}

TEST(CpuMask, AnyLengthUpToTheCpuLimit) {
    const std::string top = "0x8" + std::string(127, '0');  // 128 digits: CPU 511, the last ggml places
    EXPECT_EQ(mask_cpus(top), "511");
    EXPECT_EQ(mask_cpus("0x" + std::string(128, 'f')), "0-511");
    const std::string too_long = "0x1" + std::string(128, '0');  // 129 digits: CPU 512
    EXPECT_TRUE(starts_with(mask_cpus(too_long), "error: the mask has 129 hexadecimal digits; at most 128"))
        << mask_cpus(too_long);
    EXPECT_TRUE(starts_with(mask_cpus("0x" + std::string(100000, '0')), "error: "));  // bounded, whatever the length
}

TEST(CpuMask, RejectsWhatIsNotHexadecimal) {
    for (const std::string bad : {"", "0x", "0xg", "12 ", "-1", "0x1.5", "x1"}) {
        EXPECT_TRUE(starts_with(mask_cpus(bad), "error: expected a hexadecimal CPU mask")) << bad;
    }
}

TEST(CpuMask, AddsToTheSetAndLeavesItAloneOnError) {
    CpuSet cpus;
    EXPECT_EQ(cria::util::add_cpu_range("2-3", &cpus), "");
    EXPECT_EQ(cria::util::add_cpu_mask("0x1", &cpus), "");
    EXPECT_EQ(cria::util::cpu_list(cpus), "0,2-3");
    EXPECT_NE(cria::util::add_cpu_mask("0x1z", &cpus), "");
    EXPECT_NE(cria::util::add_cpu_range("5-4", &cpus), "");
    EXPECT_EQ(cria::util::cpu_list(cpus), "0,2-3");
}

TEST(CpuRange, BothEndsIncluded) {
    EXPECT_EQ(range_cpus("0-0"), "0");
    EXPECT_EQ(range_cpus("2-5"), "2-5");
    EXPECT_EQ(range_cpus("-2"), "0-2");        // lo omitted: 0
    EXPECT_EQ(range_cpus("510-"), "510-511");  // hi omitted: the last CPU
    EXPECT_EQ(range_cpus("0-511"), "0-511");
}

TEST(CpuRange, OutOfOrderOrOutOfBoundsIsAnError) {
    EXPECT_TRUE(starts_with(range_cpus("4-2"), "error: the range 4-2 is out of order")) << range_cpus("4-2");
    for (const std::string bad : {"", "-", "3", "a-b", "0-512", "512-600", "1-2-3", "+1-2", "0-99999999999999999999"}) {
        EXPECT_TRUE(starts_with(range_cpus(bad), "error: ")) << bad;
    }
}

TEST(CpuList, LinuxListForm) {
    CpuSet cpus;
    cpus.set(0).set(2).set(3).set(4).set(8).set(511);
    EXPECT_EQ(cria::util::cpu_list(cpus), "0,2-4,8,511");
    EXPECT_EQ(cria::util::cpu_list(CpuSet()), "");
}

TEST(CpuPlacement, UnsetSettingsComeFromTheRoleModel) {
    cria::CpuPlacement main;
    main.mask = "0x3";
    main.strict = 1;
    main.prio = 2;
    cria::CpuPlacement batch;
    EXPECT_FALSE(batch.given());
    batch.poll = 0;
    const cria::CpuPlacement b = cria::inherited(batch, main);
    EXPECT_EQ(b.mask, "0x3");
    EXPECT_EQ(b.strict, 1);
    EXPECT_EQ(b.prio, 2);
    EXPECT_EQ(b.poll, 0);
    // A range of its own replaces the role's CPUs, mask included.
    batch.range = "4-5";
    const cria::CpuPlacement c = cria::inherited(batch, main);
    EXPECT_EQ(c.mask, "");
    EXPECT_EQ(c.range, "4-5");
    EXPECT_FALSE(cria::inherited(cria::CpuPlacement{}, cria::CpuPlacement{}).given());
}

TEST(CpuPlacementOptions, WriteTheEngineConfig) {
    const cria::ParseOutcome out = parse({"-C", "0x1", "-Cr", "2-3", "--cpu-strict", "1", "--prio", "-1", "--poll", "0",
                                          "-Cb", "ff", "--prio-batch", "2", "-Cd", "0x4", "--poll-draft", "7",
                                          "-Cbd", "0x8", "--cpu-strict-batch-draft", "1"});
    ASSERT_TRUE(out.options.has_value()) << out.error;
    const cria::EngineConfig& e = out.options->engine;
    EXPECT_EQ(e.cpu.mask, "0x1");
    EXPECT_EQ(e.cpu.range, "2-3");
    EXPECT_EQ(e.cpu.strict, 1);
    EXPECT_EQ(e.cpu.prio, -1);
    EXPECT_EQ(e.cpu.poll, 0);
    EXPECT_EQ(e.cpu_batch.mask, "ff");
    EXPECT_EQ(e.cpu_batch.prio, 2);
    EXPECT_FALSE(e.cpu_batch.strict.has_value());
    EXPECT_EQ(e.speculative.cpu_draft.mask, "0x4");
    EXPECT_EQ(e.speculative.cpu_draft.poll, 7);
    EXPECT_EQ(e.speculative.cpu_batch_draft.mask, "0x8");
    EXPECT_EQ(e.speculative.cpu_batch_draft.strict, 1);
    // They are applied now: no start-up notice for any of them.
    for (const auto& notice : out.options->notices) {
        EXPECT_EQ(notice.find("cpu"), std::string::npos) << notice;
        EXPECT_EQ(notice.find("prio"), std::string::npos) << notice;
        EXPECT_EQ(notice.find("poll"), std::string::npos) << notice;
    }
}

TEST(CpuPlacementOptions, NothingGivenMeansNoPlacement) {
    const cria::ParseOutcome out = parse({});
    ASSERT_TRUE(out.options.has_value()) << out.error;
    EXPECT_FALSE(out.options->engine.cpu.given());
    EXPECT_FALSE(out.options->engine.cpu_batch.given());
    EXPECT_FALSE(out.options->engine.speculative.cpu_draft.given());
    EXPECT_FALSE(out.options->engine.speculative.cpu_batch_draft.given());
}

TEST(CpuPlacementOptions, BadValuesAreStartUpErrorsNamingTheOption) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"-C", "0xzz"}, "-C"},
        {{"--cpu-mask", "0x1" + std::string(128, '0')}, "--cpu-mask"},
        {{"-Cr", "4-2"}, "-Cr"},
        {{"--cpu-range-batch", "0-512"}, "--cpu-range-batch"},
        {{"--poll", "101"}, "--poll"},
        {{"--poll-batch", "-1"}, "--poll-batch"},
        {{"--prio", "4"}, "--prio"},
        {{"--cpu-strict", "2"}, "--cpu-strict"},
        {{"-Cd", "q"}, "-Cd"},
        {{"-Crd", "3-1"}, "-Crd"},
        {{"--poll-draft", "200"}, "--poll-draft"},
        {{"--prio-batch-draft", "-2"}, "--prio-batch-draft"},
    };
    for (const auto& [args, option] : cases) {
        const cria::ParseOutcome out = parse(args);
        EXPECT_FALSE(out.options.has_value()) << option;
        EXPECT_NE(out.error.find(option), std::string::npos) << option << ": " << out.error;
    }
}
