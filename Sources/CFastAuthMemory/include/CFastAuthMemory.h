#ifndef CFASTAUTH_MEMORY_H
#define CFASTAUTH_MEMORY_H

/// Tunes glibc's allocator for a long-running server; does nothing with other C libraries.
///
/// - `mmap_threshold`: blocks of this many bytes or more come from mmap and go straight back
///   to the system on free (M_MMAP_THRESHOLD; setting it also stops glibc from raising the
///   threshold by itself after freeing a large block).
/// - `arena_max`: at most this many malloc arenas (M_ARENA_MAX); every arena keeps its own
///   free memory, and glibc's default allows eight per core.
void cfastauth_tune_heap(int mmap_threshold, int arena_max);

#endif
