#ifndef GLEAN_PEAK_PROBE_H
#define GLEAN_PEAK_PROBE_H

/// Runs `iterations` rounds of 12 independent fused multiply-add chains on the widest
/// vectors this CPU has (AVX-512 unless `allow_avx512` is 0, else AVX2+FMA, else scalar) and
/// returns a value that depends on every result. `*flops` receives the floating-point
/// operations performed.
float glean_fma_chains(long iterations, float seed, int allow_avx512, double *flops);

#endif
