#ifndef GLEAN_CDNNL_SHIM_H
#define GLEAN_CDNNL_SHIM_H

// The only header through which Glean sees oneDNN (Debian's libdnnl-dev 2.x).
#include <oneapi/dnnl/dnnl.h>

// Argument indices are macros that expand to other macros; Swift imports
// plain integer constants more reliably, so they are restated here.
static const int GLEAN_ARG_SRC = DNNL_ARG_SRC;
static const int GLEAN_ARG_SRC_1 = DNNL_ARG_SRC_1;
static const int GLEAN_ARG_DST = DNNL_ARG_DST;
static const int GLEAN_ARG_WEIGHTS = DNNL_ARG_WEIGHTS;
static const int GLEAN_ARG_BIAS = DNNL_ARG_BIAS;
static const int GLEAN_ARG_MEAN = DNNL_ARG_MEAN;
static const int GLEAN_ARG_VARIANCE = DNNL_ARG_VARIANCE;
static const int GLEAN_ARG_SCALE = DNNL_ARG_SCALE;
static const int GLEAN_ARG_SHIFT = DNNL_ARG_SHIFT;
static const int GLEAN_ARG_WORKSPACE = DNNL_ARG_WORKSPACE;
static const int GLEAN_ARG_SCRATCHPAD = DNNL_ARG_SCRATCHPAD;
static const int GLEAN_ARG_FROM = DNNL_ARG_FROM;
static const int GLEAN_ARG_TO = DNNL_ARG_TO;
static const int GLEAN_ARG_DIFF_SRC = DNNL_ARG_DIFF_SRC;
static const int GLEAN_ARG_DIFF_DST = DNNL_ARG_DIFF_DST;
static const int GLEAN_ARG_DIFF_WEIGHTS = DNNL_ARG_DIFF_WEIGHTS;
static const int GLEAN_ARG_DIFF_BIAS = DNNL_ARG_DIFF_BIAS;
static const int GLEAN_ARG_DIFF_SCALE = DNNL_ARG_DIFF_SCALE;
static const int GLEAN_ARG_DIFF_SHIFT = DNNL_ARG_DIFF_SHIFT;

#endif
