#ifndef LIKENESS_CHDF5_SHIM_H
#define LIKENESS_CHDF5_SHIM_H
#include <hdf5.h>
#endif
