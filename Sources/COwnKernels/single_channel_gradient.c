#include "single_channel_gradient.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

__attribute__((target("avx2,fma")))
void glean_single_channel_weight_gradient(const float *input, int batch, int height, int width,
                                          int padH, int padW, const float *dy, int outChannels,
                                          int groupBegin, int groupEnd, float *dw, float *bias) {
    const int paddedH = height + 2 * padH, paddedW = width + 2 * padW;
    const int outH = paddedH - 2, outW = paddedW - 2, groups = outChannels / 8;
    const size_t plane = (size_t)outH * outW;
    /* One zero-padded image at a time, so that the inner loop has no bounds checks. */
    float *padded = calloc((size_t)paddedH * paddedW, sizeof(float));
    for (int group = groupBegin; group < groupEnd; group++) {
        __m256 acc[9], accBias = _mm256_setzero_ps();
        for (int k = 0; k < 9; k++) acc[k] = _mm256_setzero_ps();
        for (int n = 0; n < batch; n++) {
            const float *image = input + (size_t)n * height * width;
            for (int y = 0; y < height; y++)
                memcpy(padded + (size_t)(y + padH) * paddedW + padW, image + (size_t)y * width, sizeof(float) * width);
            const float *g = dy + (((size_t)n * groups + group) * plane) * 8;
            for (int y = 0; y < outH; y++) {
                const float *r0 = padded + (size_t)y * paddedW, *r1 = r0 + paddedW, *r2 = r1 + paddedW;
                for (int x = 0; x < outW; x++) {
                    const __m256 d = _mm256_loadu_ps(g + ((size_t)y * outW + x) * 8);
                    accBias = _mm256_add_ps(accBias, d);
                    acc[0] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r0 + x), acc[0]);
                    acc[1] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r0 + x + 1), acc[1]);
                    acc[2] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r0 + x + 2), acc[2]);
                    acc[3] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r1 + x), acc[3]);
                    acc[4] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r1 + x + 1), acc[4]);
                    acc[5] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r1 + x + 2), acc[5]);
                    acc[6] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r2 + x), acc[6]);
                    acc[7] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r2 + x + 1), acc[7]);
                    acc[8] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(r2 + x + 2), acc[8]);
                }
            }
        }
        float lanes[9][8], biasLanes[8];
        for (int k = 0; k < 9; k++) _mm256_storeu_ps(lanes[k], acc[k]);
        _mm256_storeu_ps(biasLanes, accBias);
        for (int lane = 0; lane < 8; lane++) {
            const int o = group * 8 + lane;
            for (int k = 0; k < 9; k++) dw[(size_t)o * 9 + k] = lanes[k][lane];
            if (bias) bias[o] = biasLanes[lane];
        }
    }
    free(padded);
}
