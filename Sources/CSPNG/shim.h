#ifndef LIKENESS_CSPNG_SHIM_H
#define LIKENESS_CSPNG_SHIM_H
#include <spng.h>
#endif
