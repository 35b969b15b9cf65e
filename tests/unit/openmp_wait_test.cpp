#include "util/openmp_wait.h"

#include <gtest/gtest.h>

namespace {

TEST(OpenmpWait, SetOnlyWhenTheUserSetNeither) {
    EXPECT_TRUE(cria::wants_short_openmp_spin(nullptr, nullptr));
    EXPECT_FALSE(cria::wants_short_openmp_spin("active", nullptr));
    EXPECT_FALSE(cria::wants_short_openmp_spin("passive", nullptr));
    EXPECT_FALSE(cria::wants_short_openmp_spin(nullptr, "300000"));
    // Set but empty is still the user's word.
    EXPECT_FALSE(cria::wants_short_openmp_spin("", nullptr));
    EXPECT_FALSE(cria::wants_short_openmp_spin(nullptr, ""));
}

}  // namespace
