#include "throughput_probe.h"

#include <immintrin.h>

#define CHAINS 12

__attribute__((target("avx512f"))) static float chains_avx512(long iterations, float seed) {
    __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    __m512 c[CHAINS];
    for (int i = 0; i < CHAINS; i++) c[i] = _mm512_set1_ps(seed + (float)i);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) c[i] = _mm512_fmadd_ps(c[i], a, b);
    }
    __m512 total = c[0];
    for (int i = 1; i < CHAINS; i++) total = _mm512_add_ps(total, c[i]);
    return _mm512_reduce_add_ps(total);
}

__attribute__((target("avx2,fma"))) static float chains_avx2(long iterations, float seed) {
    __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    __m256 c[CHAINS];
    for (int i = 0; i < CHAINS; i++) c[i] = _mm256_set1_ps(seed + (float)i);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) c[i] = _mm256_fmadd_ps(c[i], a, b);
    }
    float out[8];
    __m256 total = c[0];
    for (int i = 1; i < CHAINS; i++) total = _mm256_add_ps(total, c[i]);
    _mm256_storeu_ps(out, total);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

float glean_fma_chains(long iterations, float seed, int allow_avx512, double *flops) {
    __builtin_cpu_init();
    if (allow_avx512 && __builtin_cpu_supports("avx512f")) {
        *flops = (double)iterations * CHAINS * 16 * 2;
        return chains_avx512(iterations, seed);
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        *flops = (double)iterations * CHAINS * 8 * 2;
        return chains_avx2(iterations, seed);
    }
    float c = seed;
    for (long n = 0; n < iterations; n++) c = c * 0.999999f + 1e-7f;
    *flops = (double)iterations * 2;
    return c;
}

__attribute__((target("avx512f,avx512bf16"))) static float dot_chains_avx512_bf16(long iterations, float seed) {
    /* bf16 1.0 and 2^-24: the sums grow by a tiny step, so they stay finite for any count. */
    __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80), b = (__m512bh)_mm512_set1_epi16(0x3380);
    __m512 c[CHAINS];
    for (int i = 0; i < CHAINS; i++) c[i] = _mm512_set1_ps(seed + (float)i);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) c[i] = _mm512_dpbf16_ps(c[i], a, b);
    }
    __m512 total = c[0];
    for (int i = 1; i < CHAINS; i++) total = _mm512_add_ps(total, c[i]);
    return _mm512_reduce_add_ps(total);
}

float glean_bf16_dot_chains(long iterations, float seed, double *flops) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512bf16")) {
        *flops = 0;
        return seed;
    }
    *flops = (double)iterations * CHAINS * 32 * 2;
    return dot_chains_avx512_bf16(iterations, seed);
}
