// Test-only: the test executable's own malloc family, which counts the allocations of threads that
// asked for it and hands every call to the C library's allocator (found with dlsym(RTLD_NEXT)).
// Defining these symbols in the executable interposes them for the whole test process, as glibc
// documents for replacing malloc; all memory still comes from and returns to glibc.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include "AllocationCounting.h"

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_memalign)(size_t, size_t);

static __thread int counting;
static __thread long counted;

// dlsym may allocate while the real functions are being looked up: those few requests are served
// from this buffer, and freeing them does nothing.
static _Alignas(16) char bootstrap[16384];
static size_t bootstrapUsed;
static int resolving;

static void *bootstrap_alloc(size_t size) {
    size_t rounded = (size + 15) & ~(size_t)15;
    if (bootstrapUsed + rounded > sizeof bootstrap) return NULL;
    void *p = bootstrap + bootstrapUsed;
    bootstrapUsed += rounded;
    return p;  // zeroed: static storage, never reused
}

static int is_bootstrap(void *p) { return (char *)p >= bootstrap && (char *)p < bootstrap + sizeof bootstrap; }

static void resolve(void) {
    if (next_malloc || resolving) return;
    resolving = 1;
    next_calloc = dlsym(RTLD_NEXT, "calloc");
    next_realloc = dlsym(RTLD_NEXT, "realloc");
    next_free = dlsym(RTLD_NEXT, "free");
    next_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    next_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    next_memalign = dlsym(RTLD_NEXT, "memalign");
    next_malloc = dlsym(RTLD_NEXT, "malloc");
    resolving = 0;
}

void rt_allocation_counting_begin(void) {
    resolve();
    counted = 0;
    counting = 1;
}

long rt_allocation_counting_end(void) {
    counting = 0;
    return counted;
}

void *malloc(size_t size) {
    if (!next_malloc) {
        if (resolving) return bootstrap_alloc(size);
        resolve();
    }
    if (counting) counted++;
    return next_malloc(size);
}

void *calloc(size_t count, size_t size) {
    if (!next_calloc) {
        if (resolving) return bootstrap_alloc(count * size);
        resolve();
    }
    if (counting) counted++;
    return next_calloc(count, size);
}

void *realloc(void *p, size_t size) {
    resolve();
    if (counting) counted++;
    if (is_bootstrap(p)) {
        void *fresh = next_malloc(size);
        if (fresh) {
            size_t available = (size_t)(bootstrap + sizeof bootstrap - (char *)p);
            size_t n = size < available ? size : available;
            for (size_t i = 0; i < n; i++) ((char *)fresh)[i] = ((char *)p)[i];
        }
        return fresh;
    }
    return next_realloc(p, size);
}

void free(void *p) {
    if (!p || is_bootstrap(p)) return;
    if (!next_free) {
        if (resolving) return;  // freed while the real functions are looked up: kept
        resolve();
    }
    next_free(p);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    resolve();
    if (counting) counted++;
    return next_posix_memalign(out, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    resolve();
    if (counting) counted++;
    return next_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    resolve();
    if (counting) counted++;
    return next_memalign(alignment, size);
}
