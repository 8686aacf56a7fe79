#ifndef GLEAN_WINOGRAD_H
#define GLEAN_WINOGRAD_H

/* Winograd F(4x4, 3x3) transforms for 3x3 stride-1 convolutions on AVX2 + FMA, for tensors in
   oneDNN's nChw8c layout (channels in blocks of 8, one block per 256-bit vector). A layer runs as
   filter transform (once per weight version), input transform, 36 matrix products (done by the
   caller), output transform. Transformed data is point-major: V[36][tiles][channels],
   U[36][inChannels][outChannels], M[36][tiles][outChannels], channels padded to multiples of 8.
   A tile covers 4x4 outputs; tiles are numbered (image, tileRow, tileColumn) row-major. */

/* U = G g Gᵀ for input channels [inBegin, inEnd) (up to inPadded) and every output channel of
   plain OIHW weights [outC][inC][3][3]; with `flipped`, of the weights of the backward-data
   convolution instead: g(o, i) = weights[i][o] rotated by 180 degrees, weights being
   [inC][outC][3][3]. u: [36][inPadded][outPadded], padding entries zero. */
void glean_winograd_filter_transform(const float *weights, int outChannels, int inChannels, int flipped,
                                     int inPadded, int outPadded, int inBegin, int inEnd, float *u);

/* V = Bᵀ d B for tiles [tileBegin, tileEnd) of an nChw8c source of `channelBlocks` blocks of
   height x width images, zero padding `padTop`/`padLeft` (outside pixels read as 0).
   v: [36][tileCount][channelBlocks * 8]. */
void glean_winograd_input_transform(const float *source, int channelBlocks, int height, int width,
                                    int padTop, int padLeft, int tilesY, int tilesX,
                                    long tileBegin, long tileEnd, long tileCount, float *v);

/* Y = Aᵀ m A (+ bias, then ReLU when `relu`) for tiles [tileBegin, tileEnd), written to an
   nChw8c destination of `channelBlocks` blocks of outHeight x outWidth (outputs beyond the edge
   are dropped; padded channels are written as 0). m: [36][tileCount][channelBlocks * 8];
   bias: channelBlocks * 8 values or NULL. */
void glean_winograd_output_transform(const float *m, const float *bias, int relu, int channelBlocks,
                                     int outHeight, int outWidth, int tilesY, int tilesX,
                                     long tileBegin, long tileEnd, long tileCount, float *destination);

/* Backward-weights, dW = Gᵀ [Σ_tiles (Bᵀ d B) ⊙ (A dy Aᵀ)] G: the input tiles come from
   glean_winograd_input_transform, the output-gradient tiles from this function (A dy Aᵀ of the
   4x4 tiles of an nChw8c gradient of `channelBlocks` blocks, zero beyond the edge), the sums
   over tiles are 36 matrix products by the caller. y: [36][tileCount][channelBlocks * 8]. */
void glean_winograd_gradient_transform(const float *gradient, int channelBlocks, int outHeight, int outWidth,
                                       int tilesY, int tilesX, long tileBegin, long tileEnd, long tileCount, float *y);

/* Gᵀ m G for input channels [inBegin, inEnd): m: [36][inPadded][outPadded] (the summed products),
   weightGradient: plain OIHW [outC][inC][3][3], written (not accumulated). */
void glean_winograd_weight_gradient(const float *m, int outChannels, int inChannels, int inPadded, int outPadded,
                                    int inBegin, int inEnd, float *weightGradient);

#endif
