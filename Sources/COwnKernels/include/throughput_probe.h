#ifndef GLEAN_THROUGHPUT_PROBE_H
#define GLEAN_THROUGHPUT_PROBE_H

/// Runs `iterations` rounds of 12 independent fused multiply-add chains on the widest
/// vectors this CPU has (AVX-512 unless `allow_avx512` is 0, else AVX2+FMA, else scalar) and
/// returns a value that depends on every result. `*flops` receives the floating-point
/// operations performed.
float glean_fma_chains(long iterations, float seed, int allow_avx512, double *flops);

/// Runs `iterations` rounds of 12 independent bf16 dot-product chains (`vdpbf16ps` on 512-bit
/// vectors: 32 bf16 products added into 16 fp32 sums each) and returns a value that depends on
/// every result. `*flops` receives the operations performed (2 per product); 0 where the CPU
/// has no avx512_bf16, and then nothing runs.
float glean_bf16_dot_chains(long iterations, float seed, double *flops);

#endif
