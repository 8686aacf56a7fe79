#ifndef GLEAN_OWN_KERNELS_H
#define GLEAN_OWN_KERNELS_H

/* Glean's own kernels, for the places where oneDNN 2.6 is slow: AVX2 + FMA ones for AVX2-only CPUs,
   and a bf16 Winograd for CPUs with avx512_bf16 (oneDNN has no bf16 Winograd). */

#include "single_channel_gradient.h"
#include "throughput_probe.h"
#include "winograd.h"
#include "winograd_bf16.h"

/* Whether this CPU runs the AVX2 + FMA code. */
int glean_own_kernels_cpu_supported(void);

#endif
