// likeness-fuzz: fuzz targets for Likeness's loaders of untrusted files (docs/FUZZING.md).
//
// Built with `-D FUZZING` and `-sanitize=fuzzer` (Scripts/fuzz.sh), libFuzzer drives a target;
// built plainly, the same targets replay given files, so that a crash reproduces without the
// sanitizer, and `seeds` writes the seed corpus.
import Foundation

#if FUZZING
exit(FuzzDriver.run(arguments: CommandLine.arguments))
#else
exit(Replay.run(arguments: CommandLine.arguments))
#endif
