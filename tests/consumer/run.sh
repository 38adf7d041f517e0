#!/usr/bin/env bash
# Consumer tests: cxkit used the ways a CMake project uses it.
#   1. find_package program  - install cxkit to a prefix (no build type given: Release must be chosen; the VADER
#                              lexicon installed), find_package(cxkit CONFIG REQUIRED), build with -Wpedantic
#                              -Werror and run (the lexicon found without Python)
#   2. add_subdirectory program - add_subdirectory(<cxkit root>), build and run
#   3. the example - examples/cpp/scorecard.cpp built by the find_package project, run
# Usage: tests/consumer/run.sh [cxkit-root]   (default: the tree this script is in)
# Prints one final line "consumer: N passed, N failed"; exits non-zero on any failure.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "${1:-$here/../..}" 2>/dev/null && pwd) || { echo "consumer: no cxkit root at '${1:-}'"; echo "consumer: 0 passed, 3 failed"; exit 1; }
consumer_dir="$root/tests/consumer"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cxkit-consumer.XXXXXX")
jobs=${CMAKE_BUILD_PARALLEL_LEVEL:-2}

passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() {
    echo "FAIL $1 (log: $2)"
    tail -n 30 "$2" | sed 's/^/    /'
    failed=$((failed + 1))
}
# step <log> <command...>: runs the command, appending its output to the log.
step() {
    local log=$1
    shift
    echo "+ $*" >>"$log"
    "$@" >>"$log" 2>&1
}

echo "cxkit root: $root"
echo "work dir:   $tmp"

# Install cxkit into a private prefix.
install_log="$tmp/install.log"
installed=0
# No build type given: a top-level cxkit build must choose Release by itself (issue 11).
if step "$install_log" cmake -S "$root" -B "$tmp/build" -DCXKIT_BUILD_TESTS=OFF &&
    step "$install_log" grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$tmp/build/CMakeCache.txt" &&
    step "$install_log" cmake --install "$tmp/build" --prefix "$tmp/prefix" &&
    step "$install_log" test -f "$tmp/prefix/share/cxkit/vader_lexicon.txt"; then
    installed=1
fi

# 1 and 3: find_package against the installed prefix.
fp_log="$tmp/find_package.log"
fp_built=0
if [ "$installed" = 1 ]; then
    if step "$fp_log" cmake -S "$consumer_dir/find_package" -B "$tmp/find_package" \
        -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCXKIT_SOURCE_DIR="$root" &&
        step "$fp_log" cmake --build "$tmp/find_package" -j "$jobs"; then
        fp_built=1
    fi
else
    cp "$install_log" "$fp_log"
fi
if [ "$fp_built" = 1 ] && step "$fp_log" "$tmp/find_package/consumer_find_package"; then
    pass "find_package program"
else
    fail "find_package program" "$fp_log"
fi
ex_log="$tmp/example.log"
if [ "$fp_built" = 1 ] && step "$ex_log" "$tmp/find_package/scorecard_example" && grep -q "By channel" "$ex_log" &&
    grep -q "By month" "$ex_log"; then
    pass "example (examples/cpp/scorecard.cpp)"
else
    [ -f "$ex_log" ] || cp "$fp_log" "$ex_log"
    fail "example (examples/cpp/scorecard.cpp)" "$ex_log"
fi

# 2: add_subdirectory of the source tree.
as_log="$tmp/add_subdirectory.log"
if step "$as_log" cmake -S "$consumer_dir/add_subdirectory" -B "$tmp/add_subdirectory" -DCXKIT_SOURCE_DIR="$root" &&
    step "$as_log" cmake --build "$tmp/add_subdirectory" -j "$jobs" &&
    step "$as_log" "$tmp/add_subdirectory/consumer_add_subdirectory"; then
    pass "add_subdirectory program"
else
    fail "add_subdirectory program" "$as_log"
fi

if [ "$failed" = 0 ]; then
    rm -rf "$tmp"
else
    echo "logs kept in $tmp"
fi
echo "consumer: $passed passed, $failed failed"
[ "$failed" = 0 ]
