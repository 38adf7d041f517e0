// The checked-in fuzz corpus as plain regression inputs: every file under tests/fuzz/corpus/<State>/ goes through
// the same load-and-use as the libFuzzer target (tests/fuzz/state_targets.hpp), in every build (the sanitizer
// build included). Hostile bytes found by hand or by the fuzzer are saved there by state name.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz/state_targets.hpp"

TEST_CASE("the fuzz corpus replays: every input is refused clearly or loads and behaves") {
    namespace fs = std::filesystem;
    const fs::path root = CXKIT_FUZZ_CORPUS_DIR;
    REQUIRE(fs::is_directory(root));
    std::size_t inputs = 0;
    for (const auto& t : cxkit_fuzz::targets) {
        const fs::path dir = root / t.name;
        if (!fs::is_directory(dir)) continue;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (!entry.is_regular_file()) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            INFO(entry.path().string());
            CHECK_NOTHROW(t.run(bytes));
            ++inputs;
        }
    }
    MESSAGE(inputs << " corpus inputs replayed");
    CHECK(inputs > 0);
}
