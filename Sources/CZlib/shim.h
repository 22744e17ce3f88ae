#ifndef LIKENESS_CZLIB_SHIM_H
#define LIKENESS_CZLIB_SHIM_H
#include <zlib.h>
#endif
