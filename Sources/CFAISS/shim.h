#ifndef LIKENESS_CFAISS_SHIM_H
#define LIKENESS_CFAISS_SHIM_H
#include <faiss/c_api/faiss_c.h>

/*
 * FAISS from Debian's libfaiss-dev: the headers under /usr/include/faiss and the static
 * libfaiss.a. Debian's library holds no symbol of FAISS's C API (its headers are shipped, its
 * functions are not), so Likeness calls FAISS's C++ API through its own small bridge,
 * LikenessFAISSBridge, which depends on this module for the package's apt provider and links
 * libfaiss.a with what it needs (OpenMP, BLAS, LAPACK, the C++ library). Nothing imports this
 * header: it only names the package.
 */

#endif
