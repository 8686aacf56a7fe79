#ifndef GLEAN_WINOGRAD_BF16_H
#define GLEAN_WINOGRAD_BF16_H

#include <stdint.h>

/* Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions in bf16 mixed precision, on CPUs with
   avx512_bf16: the transforms run in fp32, the 16 products per tile as bf16 dot products with
   fp32 sums (vdpbf16ps). F(2x2) rather than F(4x4) because its transforms hold only 0, ±1 and
   ±1/2: rounding the transformed operands to bf16 then costs about what rounding the plain ones
   does (relative error 0.33% against 0.24% for a direct bf16 convolution on random post-ReLU
   data; F(4x4) 2.1%), while it needs 2.25x fewer multiplications than a direct convolution.
   Tensors are in oneDNN's nChw16c (fp32, channels in blocks of 16, padding channels zero).
   A tile covers 2x2 outputs (4x4 inputs); tiles are numbered (image, tileRow, tileColumn)
   row-major and processed in groups, each group transformed, multiplied and transformed back
   while it stays in the core's cache. */

/* U = G g Gᵀ as bf16 for input-channel pairs [pairBegin, pairEnd) and every output channel of
   plain OIHW weights [outC][inC][3][3]; with `flipped`, of the backward-data convolution:
   g(o, i) = weights[i][o] rotated by 180 degrees, weights being [inC][outC][3][3].
   u: [16][inPadded / 2][outPadded][2] (the two channels of a pair side by side, as vdpbf16ps
   reads them); inPadded and outPadded are multiples of 16, padding entries zero. */
void glean_winograd_bf16_filter_transform(const float *weights, int outChannels, int inChannels, int flipped,
                                          int inPadded, int outPadded, int pairBegin, int pairEnd, uint16_t *u);

/* Tiles per group for `inPadded` input channels (a multiple of 6): the group's transformed
   inputs stay in L2. */
int glean_winograd_bf16_group_tiles(int inPadded);

/* Output channels the products of one pass cover (the width of the m scratch rows). */
#define GLEAN_WINOGRAD_BF16_OUT_BLOCK 64

/* The convolution of tile groups [groupBegin, groupEnd) (groups of `groupTiles` tiles): source
   nChw16c [batch][inPadded / 16][height][width][16] with zero padding padTop/padLeft (outside
   pixels read as 0), u from the filter transform, destination nChw16c of outPadded channels and
   outHeight x outWidth (outputs beyond the edge dropped), + bias (outPadded values or NULL),
   then ReLU when `relu`. groupTiles is a multiple of 6; the caller's scratch for one thread:
   v of 16 x groupTiles x inPadded bf16, m of 16 x groupTiles x GLEAN_WINOGRAD_BF16_OUT_BLOCK floats. */
void glean_winograd_bf16_convolve(const float *source, int batch, int inPadded, int height, int width,
                                  int padTop, int padLeft, const uint16_t *u, int outPadded, const float *bias,
                                  int relu, int outHeight, int outWidth, int groupTiles, long groupBegin,
                                  long groupEnd, uint16_t *v, float *m, float *destination);

/* Tiles per group of the weight gradient for these channel counts (even, up to 512): large, so
   that the sums, read and written once per group, cost little beside the products. */
int glean_winograd_bf16_weight_group_tiles(int inPadded, int outPadded);

/* Backward-weights, first half: sums[16][inPadded][outPadded] += Σ over the tiles of groups
   [groupBegin, groupEnd) of (Bᵀ d B) ⊙ (A dy Aᵀ), d from the nChw16c source (as in the forward
   pass), dy from the nChw16c output gradient (outHeight x outWidth, zero beyond the edge).
   Scratch for one thread: v of 16 x groupTiles x inPadded bf16, y of 16 x groupTiles x outPadded. */
void glean_winograd_bf16_weight_products(const float *source, int batch, int inPadded, int height, int width,
                                         int padTop, int padLeft, const float *gradient, int outPadded, int outHeight,
                                         int outWidth, int groupTiles, long groupBegin, long groupEnd, uint16_t *v,
                                         uint16_t *y, float *sums);

/* Second half: dW = Gᵀ (Σ_s sums[s]) G for the output channels of 16-channel blocks
   [blockBegin, blockEnd), the sumCount per-thread sums added as they are read; written (not
   accumulated) to plain OIHW [outC][inC][3][3]. */
void glean_winograd_bf16_weight_gradient(const float *const *sums, int sumCount, int outChannels, int inChannels,
                                         int inPadded, int outPadded, int blockBegin, int blockEnd,
                                         float *weightGradient);

#endif
