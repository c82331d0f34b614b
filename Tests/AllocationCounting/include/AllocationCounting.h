#ifndef ALLOCATION_COUNTING_H
#define ALLOCATION_COUNTING_H

/// Counts the calling thread's heap allocations (malloc, calloc, realloc, posix_memalign,
/// aligned_alloc, memalign) from now on; other threads are not counted.
void rt_allocation_counting_begin(void);

/// Stops counting on the calling thread and returns how many allocations it made since
/// `rt_allocation_counting_begin`.
long rt_allocation_counting_end(void);

#endif
