#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (linked by `-sanitize=fuzzer`): parses the command line, then calls
/// `callback` with every input it generates. Each fuzz target's main calls it, because
/// SwiftPM gives an executable target a main of its own and so libFuzzer's is never linked.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
