#ifndef LIKENESS_CTURBOJPEG_SHIM_H
#define LIKENESS_CTURBOJPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>
#endif
