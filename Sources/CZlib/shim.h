#ifndef GLEAN_CZLIB_SHIM_H
#define GLEAN_CZLIB_SHIM_H
#include <zlib.h>
#endif
