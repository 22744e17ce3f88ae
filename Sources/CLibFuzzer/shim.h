#ifndef LIKENESS_CLIBFUZZER_SHIM_H
#define LIKENESS_CLIBFUZZER_SHIM_H
// libFuzzer's driver, for a program that keeps its own main: it takes libFuzzer's flags from
// argc/argv and calls `callback` with each input. Defined by compiler-rt's fuzzer library,
// which swiftc links under -sanitize=fuzzer; nothing is linked for this module otherwise.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
