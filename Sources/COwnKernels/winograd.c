#include "winograd.h"
#include <immintrin.h>

/* G x: six values from three (a row or column of a 3x3 kernel), for 8 output channels at once. */
__attribute__((target("avx2,fma"))) static inline void filter_1d(__m256 g0, __m256 g1, __m256 g2, __m256 t[6]) {
    const __m256 quarter = _mm256_set1_ps(1.0f / 4), sixth = _mm256_set1_ps(1.0f / 6);
    const __m256 twelfth = _mm256_set1_ps(1.0f / 12), twentyFourth = _mm256_set1_ps(1.0f / 24);
    __m256 outer = _mm256_add_ps(g0, g2);
    __m256 even = _mm256_fmadd_ps(twentyFourth, g0, _mm256_mul_ps(sixth, g2)), odd = _mm256_mul_ps(twelfth, g1);
    t[0] = _mm256_mul_ps(quarter, g0);
    t[1] = _mm256_mul_ps(_mm256_set1_ps(-1.0f / 6), _mm256_add_ps(outer, g1));
    t[2] = _mm256_mul_ps(_mm256_set1_ps(-1.0f / 6), _mm256_sub_ps(outer, g1));
    t[3] = _mm256_add_ps(even, odd);
    t[4] = _mm256_sub_ps(even, odd);
    t[5] = g2;
}

__attribute__((target("avx2,fma")))
void glean_winograd_filter_transform(const float *weights, int outChannels, int inChannels, int flipped,
                                     int inPadded, int outPadded, int inBegin, int inEnd, float *u) {
    for (int i = inBegin; i < inEnd; i++) {
        for (int block = 0; block < outPadded / 8; block++) {
            float lanes[9][8];
            for (int lane = 0; lane < 8; lane++) {
                const int o = block * 8 + lane;
                for (int k = 0; k < 9; k++) {
                    if (o >= outChannels || i >= inChannels) lanes[k][lane] = 0;
                    else lanes[k][lane] = flipped ? weights[((size_t)i * outChannels + o) * 9 + 8 - k]
                                                  : weights[((size_t)o * inChannels + i) * 9 + k];
                }
            }
            __m256 g[9], t[6][3];
            for (int k = 0; k < 9; k++) g[k] = _mm256_loadu_ps(lanes[k]);
            for (int c = 0; c < 3; c++) {
                __m256 column[6];
                filter_1d(g[c], g[3 + c], g[6 + c], column);
                for (int r = 0; r < 6; r++) t[r][c] = column[r];
            }
            for (int r = 0; r < 6; r++) {
                __m256 row[6];
                filter_1d(t[r][0], t[r][1], t[r][2], row);
                for (int c = 0; c < 6; c++)
                    _mm256_storeu_ps(u + ((size_t)(r * 6 + c) * inPadded + i) * outPadded + (size_t)block * 8, row[c]);
            }
        }
    }
}

/* Bᵀ x for six vectors (rows or columns of a 6x6 tile). */
__attribute__((target("avx2,fma"))) static inline void input_1d(const __m256 d[6], __m256 t[6]) {
    const __m256 four = _mm256_set1_ps(4), five = _mm256_set1_ps(5), two = _mm256_set1_ps(2);
    __m256 a = _mm256_fnmadd_ps(four, d[2], d[4]);            /* d4 - 4 d2 */
    __m256 b = _mm256_fnmadd_ps(four, d[1], d[3]);            /* d3 - 4 d1 */
    __m256 c = _mm256_sub_ps(d[4], d[2]);                     /* d4 - d2 */
    __m256 e = _mm256_mul_ps(two, _mm256_sub_ps(d[3], d[1])); /* 2 (d3 - d1) */
    t[0] = _mm256_fnmadd_ps(five, d[2], _mm256_fmadd_ps(four, d[0], d[4]));
    t[1] = _mm256_add_ps(a, b);
    t[2] = _mm256_sub_ps(a, b);
    t[3] = _mm256_add_ps(c, e);
    t[4] = _mm256_sub_ps(c, e);
    t[5] = _mm256_fnmadd_ps(five, d[3], _mm256_fmadd_ps(four, d[1], d[5]));
}

__attribute__((target("avx2,fma")))
void glean_winograd_input_transform(const float *source, int channelBlocks, int height, int width,
                                    int padTop, int padLeft, int tilesY, int tilesX,
                                    long tileBegin, long tileEnd, long tileCount, float *v) {
    const long channels = (long)channelBlocks * 8, tilesPerImage = (long)tilesY * tilesX;
    const size_t pointStride = (size_t)tileCount * channels;
    for (long tile = tileBegin; tile < tileEnd; tile++) {
        const long image = tile / tilesPerImage, inImage = tile % tilesPerImage;
        const int y0 = (int)(inImage / tilesX) * 4 - padTop, x0 = (int)(inImage % tilesX) * 4 - padLeft;
        const int inside = y0 >= 0 && x0 >= 0 && y0 + 6 <= height && x0 + 6 <= width;
        for (int block = 0; block < channelBlocks; block++) {
            const float *plane = source + (((size_t)image * channelBlocks + block) * height) * width * 8;
            __m256 d[6][6], t[6][6];
            for (int r = 0; r < 6; r++) {
                const int y = y0 + r;
                for (int c = 0; c < 6; c++) {
                    const int x = x0 + c;
                    d[r][c] = (inside || (y >= 0 && y < height && x >= 0 && x < width))
                                  ? _mm256_loadu_ps(plane + ((size_t)y * width + x) * 8)
                                  : _mm256_setzero_ps();
                }
            }
            for (int c = 0; c < 6; c++) {
                __m256 column[6] = {d[0][c], d[1][c], d[2][c], d[3][c], d[4][c], d[5][c]}, out[6];
                input_1d(column, out);
                for (int r = 0; r < 6; r++) t[r][c] = out[r];
            }
            float *target = v + (size_t)tile * channels + (size_t)block * 8;
            for (int r = 0; r < 6; r++) {
                __m256 out[6];
                input_1d(t[r], out);
                for (int c = 0; c < 6; c++) _mm256_storeu_ps(target + (size_t)(r * 6 + c) * pointStride, out[c]);
            }
        }
    }
}

/* Aᵀ x: four outputs from six vectors. */
__attribute__((target("avx2,fma"))) static inline void output_1d(const __m256 m[6], __m256 o[4]) {
    const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), eight = _mm256_set1_ps(8);
    __m256 a = _mm256_add_ps(m[1], m[2]), b = _mm256_sub_ps(m[1], m[2]);
    __m256 c = _mm256_add_ps(m[3], m[4]), d = _mm256_sub_ps(m[3], m[4]);
    o[0] = _mm256_add_ps(_mm256_add_ps(m[0], a), c);
    o[1] = _mm256_fmadd_ps(two, d, b);
    o[2] = _mm256_fmadd_ps(four, c, a);
    o[3] = _mm256_add_ps(_mm256_fmadd_ps(eight, d, b), m[5]);
}

__attribute__((target("avx2,fma")))
void glean_winograd_output_transform(const float *m, const float *bias, int relu, int channelBlocks,
                                     int outHeight, int outWidth, int tilesY, int tilesX,
                                     long tileBegin, long tileEnd, long tileCount, float *destination) {
    const long channels = (long)channelBlocks * 8, tilesPerImage = (long)tilesY * tilesX;
    const size_t pointStride = (size_t)tileCount * channels;
    const __m256 zero = _mm256_setzero_ps();
    for (long tile = tileBegin; tile < tileEnd; tile++) {
        const long image = tile / tilesPerImage, inImage = tile % tilesPerImage;
        const int y0 = (int)(inImage / tilesX) * 4, x0 = (int)(inImage % tilesX) * 4;
        for (int block = 0; block < channelBlocks; block++) {
            const float *sourceTile = m + (size_t)tile * channels + (size_t)block * 8;
            __m256 t[4][6];
            for (int c = 0; c < 6; c++) {
                __m256 column[6], out[4];
                for (int r = 0; r < 6; r++) column[r] = _mm256_loadu_ps(sourceTile + (size_t)(r * 6 + c) * pointStride);
                output_1d(column, out);
                for (int r = 0; r < 4; r++) t[r][c] = out[r];
            }
            const __m256 shift = bias ? _mm256_loadu_ps(bias + block * 8) : zero;
            float *plane = destination + (((size_t)image * channelBlocks + block) * outHeight) * outWidth * 8;
            for (int r = 0; r < 4 && y0 + r < outHeight; r++) {
                __m256 out[4];
                output_1d(t[r], out);
                for (int c = 0; c < 4 && x0 + c < outWidth; c++) {
                    __m256 value = _mm256_add_ps(out[c], shift);
                    if (relu) value = _mm256_max_ps(value, zero);
                    _mm256_storeu_ps(plane + ((size_t)(y0 + r) * outWidth + x0 + c) * 8, value);
                }
            }
        }
    }
}

/* A y: six vectors from four (a row or column of a 4x4 output-gradient tile). */
__attribute__((target("avx2,fma"))) static inline void gradient_1d(const __m256 y[4], __m256 s[6]) {
    const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), eight = _mm256_set1_ps(8);
    __m256 even = _mm256_add_ps(y[0], y[2]), odd = _mm256_add_ps(y[1], y[3]);
    __m256 evenScaled = _mm256_fmadd_ps(four, y[2], y[0]), oddScaled = _mm256_fmadd_ps(eight, y[3], _mm256_mul_ps(two, y[1]));
    s[0] = y[0];
    s[1] = _mm256_add_ps(even, odd);
    s[2] = _mm256_sub_ps(even, odd);
    s[3] = _mm256_add_ps(evenScaled, oddScaled);
    s[4] = _mm256_sub_ps(evenScaled, oddScaled);
    s[5] = y[3];
}

__attribute__((target("avx2,fma")))
void glean_winograd_gradient_transform(const float *gradient, int channelBlocks, int outHeight, int outWidth,
                                       int tilesY, int tilesX, long tileBegin, long tileEnd, long tileCount, float *y) {
    const long channels = (long)channelBlocks * 8, tilesPerImage = (long)tilesY * tilesX;
    const size_t pointStride = (size_t)tileCount * channels;
    for (long tile = tileBegin; tile < tileEnd; tile++) {
        const long image = tile / tilesPerImage, inImage = tile % tilesPerImage;
        const int y0 = (int)(inImage / tilesX) * 4, x0 = (int)(inImage % tilesX) * 4;
        for (int block = 0; block < channelBlocks; block++) {
            const float *plane = gradient + (((size_t)image * channelBlocks + block) * outHeight) * outWidth * 8;
            __m256 t[6][4];
            for (int c = 0; c < 4; c++) {
                __m256 column[4], out[6];
                for (int r = 0; r < 4; r++)
                    column[r] = (y0 + r < outHeight && x0 + c < outWidth)
                                    ? _mm256_loadu_ps(plane + ((size_t)(y0 + r) * outWidth + x0 + c) * 8)
                                    : _mm256_setzero_ps();
                gradient_1d(column, out);
                for (int r = 0; r < 6; r++) t[r][c] = out[r];
            }
            float *target = y + (size_t)tile * channels + (size_t)block * 8;
            for (int r = 0; r < 6; r++) {
                __m256 out[6];
                gradient_1d(t[r], out);
                for (int c = 0; c < 6; c++) _mm256_storeu_ps(target + (size_t)(r * 6 + c) * pointStride, out[c]);
            }
        }
    }
}

/* Gᵀ x: three values from six. */
__attribute__((target("avx2,fma"))) static inline void weight_gradient_1d(const __m256 m[6], __m256 w[3]) {
    const __m256 quarter = _mm256_set1_ps(1.0f / 4), sixth = _mm256_set1_ps(1.0f / 6);
    const __m256 twelfth = _mm256_set1_ps(1.0f / 12), twentyFourth = _mm256_set1_ps(1.0f / 24);
    __m256 sum12 = _mm256_add_ps(m[1], m[2]), difference12 = _mm256_sub_ps(m[2], m[1]);
    __m256 sum34 = _mm256_add_ps(m[3], m[4]), difference34 = _mm256_sub_ps(m[3], m[4]);
    w[0] = _mm256_fmadd_ps(twentyFourth, sum34, _mm256_fnmadd_ps(sixth, sum12, _mm256_mul_ps(quarter, m[0])));
    w[1] = _mm256_fmadd_ps(twelfth, difference34, _mm256_mul_ps(sixth, difference12));
    w[2] = _mm256_fmadd_ps(sixth, _mm256_sub_ps(sum34, sum12), m[5]);
}

__attribute__((target("avx2,fma")))
void glean_winograd_weight_gradient(const float *m, int outChannels, int inChannels, int inPadded, int outPadded,
                                    int inBegin, int inEnd, float *weightGradient) {
    for (int i = inBegin; i < inEnd && i < inChannels; i++) {
        for (int block = 0; block < outPadded / 8; block++) {
            __m256 t[3][6];
            for (int c = 0; c < 6; c++) {
                __m256 column[6], out[3];
                for (int r = 0; r < 6; r++)
                    column[r] = _mm256_loadu_ps(m + ((size_t)(r * 6 + c) * inPadded + i) * outPadded + (size_t)block * 8);
                weight_gradient_1d(column, out);
                for (int r = 0; r < 3; r++) t[r][c] = out[r];
            }
            float lanes[9][8];
            for (int r = 0; r < 3; r++) {
                __m256 out[3];
                weight_gradient_1d(t[r], out);
                for (int c = 0; c < 3; c++) _mm256_storeu_ps(lanes[r * 3 + c], out[c]);
            }
            for (int lane = 0; lane < 8 && block * 8 + lane < outChannels; lane++) {
                float *target = weightGradient + ((size_t)(block * 8 + lane) * inChannels + i) * 9;
                for (int k = 0; k < 9; k++) target[k] = lanes[k][lane];
            }
        }
    }
}
