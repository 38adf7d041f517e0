// libFuzzer target over every deserialiser (see state_targets.hpp). Built by ./scripts/test with clang:
//   CXX=clang++ cmake -S . -B build/fuzz -DCXKIT_BUILD_FUZZ=ON && cmake --build build/fuzz
//   build/fuzz/tests/fuzz/fuzz_states -max_total_time=60 <new-inputs-dir> tests/fuzz/corpus/seeds
#include <cstddef>
#include <cstdint>

#include "fuzz/state_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cxkit_fuzz::run_any(data, size);
    return 0;
}
