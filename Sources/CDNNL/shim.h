#ifndef LIKENESS_CDNNL_SHIM_H
#define LIKENESS_CDNNL_SHIM_H
// oneDNN's row-major sgemm picks its kernels from the CPU's features at run time
// (Debian's OpenBLAS 0.3.21 needs OPENBLAS_CORETYPE set before it loads to do the same).
#include <oneapi/dnnl/dnnl.h>

// Debian's oneDNN runs on the OpenMP runtime (libgomp), whose header lives in GCC's private
// include folder: declare the one call used. The thread count is per calling thread.
void omp_set_num_threads(int num_threads);
#endif
