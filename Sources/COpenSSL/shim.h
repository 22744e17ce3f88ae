#ifndef LIKENESS_COPENSSL_SHIM_H
#define LIKENESS_COPENSSL_SHIM_H
// SHA-256 for the weight digests that tie embedding stores and galleries to a model.
#include <openssl/evp.h>
#endif
