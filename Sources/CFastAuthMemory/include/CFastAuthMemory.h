#ifndef CFASTAUTH_MEMORY_H
#define CFASTAUTH_MEMORY_H

/// Makes the C heap hand blocks of `bytes` or more straight to the system on free (glibc's
/// M_MMAP_THRESHOLD, which also stops glibc from raising that threshold by itself); does
/// nothing with other C libraries.
void cfastauth_set_mmap_threshold(int bytes);

#endif
