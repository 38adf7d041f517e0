#pragma once
// Run-time CPU dispatch, in one place. A header-only library cannot choose its users' compiler flags, and Eigen
// fixes its vector width at compile time; so the hot kernels (CLV likelihoods, k-means, VADER) are compiled a
// second or third time for wider targets with GCC's target attribute, and picked once at run time from what the
// CPU reports here.
//
// CXKIT_CPU_DISPATCH is 1 where that works (GCC on x86-64, not asked off); define CXKIT_NO_CPU_DISPATCH to build
// only the portable paths, and CXKIT_NO_SIMD to also skip the baseline SSE2 intrinsics (the portable test build
// defines both, so the code other CPUs and compilers run is tested too). Results never depend on the path in
// more than the last bits of a fused multiply-add, which each kernel documents.
#if defined(CXKIT_NO_SIMD) && !defined(CXKIT_NO_CPU_DISPATCH)
#define CXKIT_NO_CPU_DISPATCH
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(CXKIT_NO_CPU_DISPATCH)
#define CXKIT_CPU_DISPATCH 1
#else
#define CXKIT_CPU_DISPATCH 0
#endif

// Baseline SSE2 intrinsics (every x86-64 CPU has them) unless CXKIT_NO_SIMD.
#if defined(__SSE2__) && !defined(CXKIT_NO_SIMD)
#define CXKIT_SSE2 1
#else
#define CXKIT_SSE2 0
#endif

namespace cxkit::core {

// What the CPU running this process can do; all false where CXKIT_CPU_DISPATCH is 0.
struct cpu_features {
    bool avx2 = false, fma = false, bmi1 = false, bmi2 = false, popcnt = false, lzcnt = false;
    bool avx512f = false, avx512dq = false;
};

inline const cpu_features& cpu() noexcept {
    static const cpu_features f = [] {
        cpu_features r;
#if CXKIT_CPU_DISPATCH
        __builtin_cpu_init();
        r.avx2 = __builtin_cpu_supports("avx2");
        r.fma = __builtin_cpu_supports("fma");
        r.bmi1 = __builtin_cpu_supports("bmi");
        r.bmi2 = __builtin_cpu_supports("bmi2");
        r.popcnt = __builtin_cpu_supports("popcnt");
        r.lzcnt = __builtin_cpu_supports("lzcnt");
        r.avx512f = __builtin_cpu_supports("avx512f");
        r.avx512dq = __builtin_cpu_supports("avx512dq");
#endif
        return r;
    }();
    return f;
}

}  // namespace cxkit::core
