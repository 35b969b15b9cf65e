// The ApiError a piece of code throws, for tests that check which field an error names.
#pragma once

#include <gtest/gtest.h>

#include "api/api_error.h"

namespace cria {

// Runs `run` and returns the ApiError it throws; a test failure (and an empty error) if none.
template <typename F>
ApiError error_of(F&& run) {
    try {
        run();
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "no error";
    return {};
}

}  // namespace cria
