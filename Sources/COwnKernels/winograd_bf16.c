#include "winograd_bf16.h"
#include <immintrin.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
/* Tiles per step of the product kernel (rows of its accumulator block). */
#define ROWS 6
/* Output channels per pass over a group: four vectors of 16. */
#define OUT_BLOCK GLEAN_WINOGRAD_BF16_OUT_BLOCK

/* G x: four values from three (a row or column of a 3x3 kernel), for 16 output channels. */
BF16_TARGET static inline void filter_1d(__m512 g0, __m512 g1, __m512 g2, __m512 t[4]) {
    const __m512 half = _mm512_set1_ps(0.5f);
    const __m512 outer = _mm512_add_ps(g0, g2);
    t[0] = g0;
    t[1] = _mm512_mul_ps(half, _mm512_add_ps(outer, g1));
    t[2] = _mm512_mul_ps(half, _mm512_sub_ps(outer, g1));
    t[3] = g2;
}

/* The 16 points of G g Gᵀ for input channel i and the 16 output channels of `block`. */
BF16_TARGET static void filter_points(const float *weights, int outChannels, int inChannels, int flipped, int i,
                                      int block, __m512 points[16]) {
    float lanes[9][16];
    for (int lane = 0; lane < 16; lane++) {
        const int o = block * 16 + lane;
        for (int k = 0; k < 9; k++) {
            if (o >= outChannels || i >= inChannels) lanes[k][lane] = 0;
            else lanes[k][lane] = flipped ? weights[((size_t)i * outChannels + o) * 9 + 8 - k]
                                          : weights[((size_t)o * inChannels + i) * 9 + k];
        }
    }
    __m512 g[9], t[4][3];
    for (int k = 0; k < 9; k++) g[k] = _mm512_loadu_ps(lanes[k]);
    for (int c = 0; c < 3; c++) {
        __m512 column[4];
        filter_1d(g[c], g[3 + c], g[6 + c], column);
        for (int r = 0; r < 4; r++) t[r][c] = column[r];
    }
    for (int r = 0; r < 4; r++) {
        __m512 row[4];
        filter_1d(t[r][0], t[r][1], t[r][2], row);
        for (int c = 0; c < 4; c++) points[r * 4 + c] = row[c];
    }
}

/* bf16 of `first` and `second` interleaved (first[0], second[0], first[1], …): the two values a
   vdpbf16ps lane multiplies with its pair. */
BF16_TARGET static inline __m512i interleave_bf16(__m512 first, __m512 second) {
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                           23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(second, first));
}

BF16_TARGET
void glean_winograd_bf16_filter_transform(const float *weights, int outChannels, int inChannels, int flipped,
                                          int inPadded, int outPadded, int pairBegin, int pairEnd, uint16_t *u) {
    const int pairs = inPadded / 2;
    for (int pair = pairBegin; pair < pairEnd; pair++) {
        for (int block = 0; block < outPadded / 16; block++) {
            __m512 even[16], odd[16];
            filter_points(weights, outChannels, inChannels, flipped, 2 * pair, block, even);
            filter_points(weights, outChannels, inChannels, flipped, 2 * pair + 1, block, odd);
            for (int point = 0; point < 16; point++)
                _mm512_storeu_si512(u + (((size_t)point * pairs + pair) * outPadded + (size_t)block * 16) * 2,
                                    interleave_bf16(even[point], odd[point]));
        }
    }
}

int glean_winograd_bf16_group_tiles(int inPadded) {
    /* 192 KiB of transformed inputs (16 points x tiles x channels x 2 bytes), 12 to 48 tiles, a
       multiple of ROWS. */
    int tiles = 192 * 1024 / (32 * inPadded) / ROWS * ROWS;
    return tiles < 2 * ROWS ? 2 * ROWS : (tiles > 8 * ROWS ? 8 * ROWS : tiles);
}

/* Bᵀ x: four values from four (a row or column of a 4x4 input tile). */
BF16_TARGET static inline void input_1d(__m512 d0, __m512 d1, __m512 d2, __m512 d3, __m512 t[4]) {
    t[0] = _mm512_sub_ps(d0, d2);
    t[1] = _mm512_add_ps(d1, d2);
    t[2] = _mm512_sub_ps(d2, d1);
    t[3] = _mm512_sub_ps(d1, d3);
}

/* Where one tile lies: the first channel block of its image, its top-left corner (rows and
   columns may be negative or past the edge, where the tensor is zero) and whether it exists at
   all (tiles past the last one are zero). Found once per tile, for all its channel blocks. */
typedef struct {
    const float *image;
    int y0, x0, present;
} tile_place;

/* The place of `tile` (of `tilesY` x `tilesX` per image) in a tensor of `blocks` planes of
   `height` x `width` x 16 floats, tile corners 2 apart from (−offsetY, −offsetX). */
static inline tile_place place_tile(const float *tensor, int blocks, int height, int width, int tilesY, int tilesX,
                                    int offsetY, int offsetX, long tile, long tileEnd) {
    tile_place place = {tensor, 0, 0, 0};
    if (tile >= tileEnd) return place;
    const long tilesPerImage = (long)tilesY * tilesX, image = tile / tilesPerImage, inImage = tile % tilesPerImage;
    place.image = tensor + (size_t)image * blocks * height * width * 16;
    place.y0 = (int)(inImage / tilesX) * 2 - offsetY;
    place.x0 = (int)(inImage % tilesX) * 2 - offsetX;
    place.present = 1;
    return place;
}

/* The `size` x `size` pixels of channel block `block` from the tile's corner; zero outside the
   height x width plane. */
BF16_TARGET static inline __attribute__((always_inline)) void load_tile(tile_place place, int block, int height,
                                                                        int width, int size, __m512 d[4][4]) {
    const float *plane = place.image + (size_t)block * height * width * 16;
    if (place.y0 >= 0 && place.x0 >= 0 && place.y0 + size <= height && place.x0 + size <= width) {
        const float *corner = plane + ((size_t)place.y0 * width + place.x0) * 16;
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++) d[r][c] = _mm512_loadu_ps(corner + ((size_t)r * width + c) * 16);
        return;
    }
    for (int r = 0; r < size; r++)
        for (int c = 0; c < size; c++) {
            const int y = place.y0 + r, x = place.x0 + c;
            d[r][c] = (y >= 0 && y < height && x >= 0 && x < width) ? _mm512_loadu_ps(plane + ((size_t)y * width + x) * 16)
                                                                     : _mm512_setzero_ps();
        }
}

/* The 16 points of Bᵀ d B of one tile and channel block (zero when the tile is not present). */
BF16_TARGET static void input_points(tile_place place, int block, int height, int width, __m512 points[16]) {
    if (!place.present) {
        for (int point = 0; point < 16; point++) points[point] = _mm512_setzero_ps();
        return;
    }
    __m512 d[4][4], t[4][4];
    load_tile(place, block, height, width, 4, d);
    for (int c = 0; c < 4; c++) {
        __m512 column[4];
        input_1d(d[0][c], d[1][c], d[2][c], d[3][c], column);
        for (int r = 0; r < 4; r++) t[r][c] = column[r];
    }
    for (int r = 0; r < 4; r++) input_1d(t[r][0], t[r][1], t[r][2], t[r][3], points + r * 4);
}

/* V = Bᵀ d B of `tiles` tiles from `firstTile`, as bf16 v[16][rows][inPadded]; rows beyond
   `tiles` (up to a multiple of ROWS) are zero. */
BF16_TARGET static void transform_inputs(const float *source, int inPadded, int height, int width, int padTop,
                                         int padLeft, int tilesY, int tilesX, long firstTile, int tiles, int rows,
                                         uint16_t *v) {
    const size_t pointStride = (size_t)rows * inPadded;
    for (int slot = 0; slot < rows; slot++) {
        const tile_place place = place_tile(source, inPadded / 16, height, width, tilesY, tilesX, padTop, padLeft,
                                            firstTile + slot, firstTile + tiles);
        for (int block = 0; block < inPadded / 16; block++) {
            __m512 points[16];
            input_points(place, block, height, width, points);
            for (int point = 0; point < 16; point++)
                _mm256_storeu_si256((__m256i *)(v + point * pointStride + (size_t)slot * inPadded + block * 16),
                                    (__m256i)_mm512_cvtneps_pbh(points[point]));
        }
    }
}

/* m[r][16 j + lane] = Σ_pairs v[r][pair] · u[pair][16 j + lane] for ROWS tiles and `columns`
   vectors of output channels: v rows of inPadded bf16 (pairs read as 32-bit words), u rows of
   outPadded channel pairs, m rows of OUT_BLOCK floats. */
BF16_TARGET static inline __attribute__((always_inline)) void multiply(int columns, const uint16_t *v, int inPadded,
                                                                      const uint16_t *u, int outPadded, float *m) {
    __m512 sums[ROWS][4];
    for (int r = 0; r < ROWS; r++)
        for (int j = 0; j < columns; j++) sums[r][j] = _mm512_setzero_ps();
    const int pairs = inPadded / 2;
    const uint32_t *rowPairs = (const uint32_t *)v;
    for (int pair = 0; pair < pairs; pair++) {
        __m512i w[4];
        for (int j = 0; j < columns; j++) w[j] = _mm512_loadu_si512(u + ((size_t)pair * outPadded + j * 16) * 2);
        for (int r = 0; r < ROWS; r++) {
            const __m512i a = _mm512_set1_epi32((int)rowPairs[(size_t)r * pairs + pair]);
            for (int j = 0; j < columns; j++) sums[r][j] = _mm512_dpbf16_ps(sums[r][j], (__m512bh)a, (__m512bh)w[j]);
        }
    }
    for (int r = 0; r < ROWS; r++)
        for (int j = 0; j < columns; j++) _mm512_storeu_ps(m + r * OUT_BLOCK + j * 16, sums[r][j]);
}

/* `multiply` with the column count fixed, so that its loops unroll and its sums live in registers. */
BF16_TARGET static void multiply_rows(int columns, const uint16_t *v, int inPadded, const uint16_t *u, int outPadded,
                                      float *m) {
    switch (columns) {
    case 1: multiply(1, v, inPadded, u, outPadded, m); break;
    case 2: multiply(2, v, inPadded, u, outPadded, m); break;
    case 3: multiply(3, v, inPadded, u, outPadded, m); break;
    default: multiply(4, v, inPadded, u, outPadded, m); break;
    }
}

/* Aᵀ x: two outputs from four. */
BF16_TARGET static inline void output_1d(__m512 m0, __m512 m1, __m512 m2, __m512 m3, __m512 o[2]) {
    o[0] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
    o[1] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
}

/* Y = Aᵀ m A (+ bias, ReLU) for `tiles` tiles from `firstTile` and `columns` output blocks from
   `firstBlock`; m: [16][rows][OUT_BLOCK]. */
BF16_TARGET static void transform_outputs(const float *m, int rows, int tiles, long firstTile, int firstBlock,
                                          int columns, const float *bias, int relu, int outBlocks, int outHeight,
                                          int outWidth, int tilesY, int tilesX, float *destination) {
    const long tilesPerImage = (long)tilesY * tilesX;
    const size_t pointStride = (size_t)rows * OUT_BLOCK;
    const __m512 zero = _mm512_setzero_ps();
    for (int slot = 0; slot < tiles; slot++) {
        const long tile = firstTile + slot, image = tile / tilesPerImage, inImage = tile % tilesPerImage;
        const int y0 = (int)(inImage / tilesX) * 2, x0 = (int)(inImage % tilesX) * 2;
        for (int j = 0; j < columns; j++) {
            const int block = firstBlock + j;
            const float *point = m + (size_t)slot * OUT_BLOCK + j * 16;
            __m512 t[2][4];
            for (int c = 0; c < 4; c++) {
                __m512 column[2];
                output_1d(_mm512_loadu_ps(point + (size_t)c * pointStride), _mm512_loadu_ps(point + (size_t)(4 + c) * pointStride),
                          _mm512_loadu_ps(point + (size_t)(8 + c) * pointStride), _mm512_loadu_ps(point + (size_t)(12 + c) * pointStride),
                          column);
                t[0][c] = column[0];
                t[1][c] = column[1];
            }
            const __m512 shift = bias ? _mm512_loadu_ps(bias + block * 16) : zero;
            float *plane = destination + (((size_t)image * outBlocks + block) * outHeight) * outWidth * 16;
            for (int r = 0; r < 2 && y0 + r < outHeight; r++) {
                __m512 out[2];
                output_1d(t[r][0], t[r][1], t[r][2], t[r][3], out);
                for (int c = 0; c < 2 && x0 + c < outWidth; c++) {
                    __m512 value = _mm512_add_ps(out[c], shift);
                    if (relu) value = _mm512_max_ps(value, zero);
                    _mm512_storeu_ps(plane + ((size_t)(y0 + r) * outWidth + x0 + c) * 16, value);
                }
            }
        }
    }
}

BF16_TARGET
void glean_winograd_bf16_convolve(const float *source, int batch, int inPadded, int height, int width,
                                  int padTop, int padLeft, const uint16_t *u, int outPadded, const float *bias,
                                  int relu, int outHeight, int outWidth, int groupTiles, long groupBegin,
                                  long groupEnd, uint16_t *v, float *m, float *destination) {
    const int tilesY = (outHeight + 1) / 2, tilesX = (outWidth + 1) / 2, pairs = inPadded / 2;
    const long tileCount = (long)batch * tilesY * tilesX;
    for (long group = groupBegin; group < groupEnd; group++) {
        const long firstTile = group * groupTiles;
        const int tiles = (int)(tileCount - firstTile < groupTiles ? tileCount - firstTile : groupTiles);
        transform_inputs(source, inPadded, height, width, padTop, padLeft, tilesY, tilesX, firstTile, tiles, groupTiles, v);
        for (int first = 0; first < outPadded; first += OUT_BLOCK) {
            const int columns = (outPadded - first < OUT_BLOCK ? outPadded - first : OUT_BLOCK) / 16;
            for (int point = 0; point < 16; point++) {
                const uint16_t *pointWeights = u + ((size_t)point * pairs * outPadded + first) * 2;
                for (int row = 0; row < groupTiles; row += ROWS)
                    multiply_rows(columns, v + ((size_t)point * groupTiles + row) * inPadded, inPadded, pointWeights,
                                  outPadded, m + ((size_t)point * groupTiles + row) * OUT_BLOCK);
            }
            transform_outputs(m, groupTiles, tiles, firstTile, first / 16, columns, bias, relu, outPadded / 16, outHeight,
                              outWidth, tilesY, tilesX, destination);
        }
    }
}

/* Backward-weights: dW = Gᵀ [Σ_tiles (Bᵀ d B) ⊙ (A dy Aᵀ)] G, the sum over tiles as bf16 dot
   products over pairs of tiles; both transformed operands are stored pair-interleaved,
   [16][pairs][channels][2], the two tiles of a pair side by side for each channel. */

/* A y: four values from two (a row or column of a 2x2 output-gradient tile). */
BF16_TARGET static inline void gradient_1d(__m512 y0, __m512 y1, __m512 s[4]) {
    s[0] = y0;
    s[1] = _mm512_add_ps(y0, y1);
    s[2] = _mm512_sub_ps(y0, y1);
    s[3] = _mm512_sub_ps(_mm512_setzero_ps(), y1);
}

/* The 16 points of A dy Aᵀ of one output tile and channel block (zero beyond the edge or when
   the tile is not present). */
BF16_TARGET static void gradient_points(tile_place place, int block, int outHeight, int outWidth, __m512 points[16]) {
    if (!place.present) {
        for (int point = 0; point < 16; point++) points[point] = _mm512_setzero_ps();
        return;
    }
    __m512 g[4][4], t[4][2];
    load_tile(place, block, outHeight, outWidth, 2, g);
    for (int c = 0; c < 2; c++) {
        __m512 column[4];
        gradient_1d(g[0][c], g[1][c], column);
        for (int r = 0; r < 4; r++) t[r][c] = column[r];
    }
    for (int r = 0; r < 4; r++) gradient_1d(t[r][0], t[r][1], points + r * 4);
}

/* sums[r][16 j + lane] += Σ_pairs v[pair][r] · y[pair][16 j + lane] for 4 input channels and
   `columns` vectors of output channels: v rows of inPadded pairs, y rows of outPadded pairs. */
BF16_TARGET static inline __attribute__((always_inline)) void accumulate(int columns, const uint16_t *v, int inPadded,
                                                                        const uint16_t *y, int outPadded, int pairs,
                                                                        float *sums) {
    __m512 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < columns; j++) acc[r][j] = _mm512_loadu_ps(sums + (size_t)r * outPadded + j * 16);
    for (int pair = 0; pair < pairs; pair++) {
        const uint32_t *inputs = (const uint32_t *)(v + (size_t)pair * inPadded * 2);
        __m512i w[4];
        for (int j = 0; j < columns; j++) w[j] = _mm512_loadu_si512(y + ((size_t)pair * outPadded + j * 16) * 2);
        for (int r = 0; r < 4; r++) {
            const __m512i a = _mm512_set1_epi32((int)inputs[r]);
            for (int j = 0; j < columns; j++) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], (__m512bh)a, (__m512bh)w[j]);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < columns; j++) _mm512_storeu_ps(sums + (size_t)r * outPadded + j * 16, acc[r][j]);
}

BF16_TARGET static void accumulate_rows(int columns, const uint16_t *v, int inPadded, const uint16_t *y, int outPadded,
                                        int pairs, float *sums) {
    switch (columns) {
    case 1: accumulate(1, v, inPadded, y, outPadded, pairs, sums); break;
    case 2: accumulate(2, v, inPadded, y, outPadded, pairs, sums); break;
    case 3: accumulate(3, v, inPadded, y, outPadded, pairs, sums); break;
    default: accumulate(4, v, inPadded, y, outPadded, pairs, sums); break;
    }
}

BF16_TARGET
void glean_winograd_bf16_weight_products(const float *source, int batch, int inPadded, int height, int width,
                                         int padTop, int padLeft, const float *gradient, int outPadded, int outHeight,
                                         int outWidth, int groupTiles, long groupBegin, long groupEnd, uint16_t *v,
                                         uint16_t *y, float *sums) {
    const int tilesY = (outHeight + 1) / 2, tilesX = (outWidth + 1) / 2, pairs = groupTiles / 2;
    const long tileCount = (long)batch * tilesY * tilesX;
    for (long group = groupBegin; group < groupEnd; group++) {
        const long firstTile = group * groupTiles;
        for (int pair = 0; pair < pairs; pair++) {
            const long tile = firstTile + 2 * pair;
            const tile_place inputs[2] = {
                place_tile(source, inPadded / 16, height, width, tilesY, tilesX, padTop, padLeft, tile, tileCount),
                place_tile(source, inPadded / 16, height, width, tilesY, tilesX, padTop, padLeft, tile + 1, tileCount)};
            const tile_place gradients[2] = {
                place_tile(gradient, outPadded / 16, outHeight, outWidth, tilesY, tilesX, 0, 0, tile, tileCount),
                place_tile(gradient, outPadded / 16, outHeight, outWidth, tilesY, tilesX, 0, 0, tile + 1, tileCount)};
            for (int block = 0; block < inPadded / 16; block++) {
                __m512 first[16], second[16];
                input_points(inputs[0], block, height, width, first);
                input_points(inputs[1], block, height, width, second);
                for (int point = 0; point < 16; point++)
                    _mm512_storeu_si512(v + (((size_t)point * pairs + pair) * inPadded + block * 16) * 2,
                                        interleave_bf16(first[point], second[point]));
            }
            for (int block = 0; block < outPadded / 16; block++) {
                __m512 first[16], second[16];
                gradient_points(gradients[0], block, outHeight, outWidth, first);
                gradient_points(gradients[1], block, outHeight, outWidth, second);
                for (int point = 0; point < 16; point++)
                    _mm512_storeu_si512(y + (((size_t)point * pairs + pair) * outPadded + block * 16) * 2,
                                        interleave_bf16(first[point], second[point]));
            }
        }
        for (int point = 0; point < 16; point++) {
            const uint16_t *pointInputs = v + (size_t)point * pairs * inPadded * 2;
            const uint16_t *pointGradients = y + (size_t)point * pairs * outPadded * 2;
            float *pointSums = sums + (size_t)point * inPadded * outPadded;
            for (int first = 0; first < outPadded; first += OUT_BLOCK) {
                const int columns = (outPadded - first < OUT_BLOCK ? outPadded - first : OUT_BLOCK) / 16;
                for (int row = 0; row < inPadded; row += 4)
                    accumulate_rows(columns, pointInputs + (size_t)row * 2, inPadded, pointGradients + (size_t)first * 2,
                                    outPadded, pairs, pointSums + (size_t)row * outPadded + first);
            }
        }
    }
}

/* Gᵀ x: three values from four, for 16 output channels. */
BF16_TARGET static inline void weight_gradient_1d(__m512 m0, __m512 m1, __m512 m2, __m512 m3, __m512 w[3]) {
    const __m512 half = _mm512_set1_ps(0.5f);
    const __m512 middle = _mm512_mul_ps(half, _mm512_add_ps(m1, m2));
    w[0] = _mm512_add_ps(m0, middle);
    w[1] = _mm512_mul_ps(half, _mm512_sub_ps(m1, m2));
    w[2] = _mm512_add_ps(middle, m3);
}

BF16_TARGET
void glean_winograd_bf16_weight_gradient(const float *const *sums, int sumCount, int outChannels, int inChannels,
                                         int inPadded, int outPadded, int blockBegin, int blockEnd,
                                         float *weightGradient) {
    /* Channel blocks innermost: each of the 16 x sumCount rows read is then read in order. */
    for (int i = 0; i < inChannels; i++) {
        for (int block = blockBegin; block < blockEnd; block++) {
            const int lanes = outChannels - block * 16 < 16 ? outChannels - block * 16 : 16;
            __m512 m[16], t[3][4];
            for (int point = 0; point < 16; point++) {
                const size_t offset = ((size_t)point * inPadded + i) * outPadded + (size_t)block * 16;
                m[point] = _mm512_loadu_ps(sums[0] + offset);
                for (int s = 1; s < sumCount; s++) m[point] = _mm512_add_ps(m[point], _mm512_loadu_ps(sums[s] + offset));
            }
            for (int c = 0; c < 4; c++) {
                __m512 column[3];
                weight_gradient_1d(m[c], m[4 + c], m[8 + c], m[12 + c], column);
                for (int r = 0; r < 3; r++) t[r][c] = column[r];
            }
            float values[9][16];
            for (int r = 0; r < 3; r++) {
                __m512 row[3];
                weight_gradient_1d(t[r][0], t[r][1], t[r][2], t[r][3], row);
                for (int c = 0; c < 3; c++) _mm512_storeu_ps(values[r * 3 + c], row[c]);
            }
            for (int lane = 0; lane < lanes; lane++) {
                float *target = weightGradient + ((size_t)(block * 16 + lane) * inChannels + i) * 9;
                for (int k = 0; k < 9; k++) target[k] = values[k][lane];
            }
        }
    }
}

int glean_winograd_bf16_weight_group_tiles(int inPadded, int outPadded) {
    /* 4 MiB of transformed inputs and gradients (16 points x tiles x channels x 2 bytes). */
    int tiles = 4 * 1024 * 1024 / (32 * (inPadded + outPadded)) / 2 * 2;
    return tiles < 2 ? 2 : (tiles > 512 ? 512 : tiles);
}
