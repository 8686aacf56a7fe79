#ifndef GLEAN_CTURBOJPEG_SHIM_H
#define GLEAN_CTURBOJPEG_SHIM_H
#include <turbojpeg.h>
#endif
