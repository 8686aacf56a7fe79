#ifndef GLEAN_OWN_KERNELS_H
#define GLEAN_OWN_KERNELS_H

/* Glean's own AVX2 + FMA kernels, for the places where oneDNN 2.6 is slow on AVX2-only CPUs. */

#include "single_channel_gradient.h"
#include "winograd.h"

/* Whether this CPU runs the AVX2 + FMA code. */
int glean_own_kernels_cpu_supported(void);

#endif
