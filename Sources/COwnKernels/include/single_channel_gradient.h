#ifndef GLEAN_SINGLE_CHANNEL_GRADIENT_H
#define GLEAN_SINGLE_CHANNEL_GRADIENT_H

/* Weight and bias gradients of a 3x3 stride-1 convolution whose input has one channel (the first
   layer of a network on grayscale images), with AVX2 + FMA. oneDNN's AVX2 backward-weights kernel
   runs such a layer at about a tenth of the FMA peak: its work is split along the single input
   channel. Here each group of 8 output channels keeps its 9 weight sums and its bias sum in
   registers over the whole batch. */

/* For output channels [8 groupBegin, 8 groupEnd):
   dw[o][kh][kw] = Σ_{n,y,x} dy[n][o][y][x] · padded(input)[n][y + kh][x + kw],  bias[o] = Σ dy[n][o][y][x].
   input: plain [batch][height][width]; dy: nChw8c, [batch][outChannels / 8][outHeight][outWidth][8]
   with outHeight = height + 2 padH − 2 and outWidth = width + 2 padW − 2 (padH, padW ≥ 0);
   dw: [outChannels][3][3]; bias may be NULL. outChannels is a multiple of 8. */
void glean_single_channel_weight_gradient(const float *input, int batch, int height, int width,
                                          int padH, int padW, const float *dy, int outChannels,
                                          int groupBegin, int groupEnd, float *dw, float *bias);

#endif
