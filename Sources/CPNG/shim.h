#ifndef GLEAN_CPNG_SHIM_H
#define GLEAN_CPNG_SHIM_H
#include <png.h>
// PNG_IMAGE_SIZE and friends are function-like macros; Swift needs a function.
static inline unsigned long glean_png_image_row_stride(const png_image *image) {
    return PNG_IMAGE_ROW_STRIDE(*image);
}
#endif
