// A preloaded library that counts a process's heap allocations, frees and live bytes, for
// scripts/allocations-per-answer and scripts/soak. Every malloc, calloc, realloc, posix_memalign,
// aligned_alloc and memalign that returns a block adds one to the allocations; every free of a
// block (and every realloc given one) adds one to the frees; live bytes follow the blocks' usable
// sizes (malloc_usable_size), so a buffer that grows and is never given back shows too.
// SIGUSR2 appends one line, "ALLOCATIONS FREES LIVE_BYTES" in decimal, to the file named by
// MALLOC_COUNTER_FILE (opened at load). The scripts read it before and after a load, so start-up
// and shutdown are not counted.
//   clang -shared -fPIC -O2 -o malloc-counter.so malloc-counter.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_ulong allocations;
static atomic_ulong frees;
static atomic_ulong live_bytes;  // wraps below zero for a moment at most; read as a difference
static int report_fd = -1;

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

// dlsym itself may call calloc before real_calloc is known: serve it from a small static arena.
static char bootstrap[4096];
static size_t bootstrap_used;

static int from_bootstrap(const void *p) {
    return p >= (const void *)bootstrap && p < (const void *)(bootstrap + sizeof bootstrap);
}

static void *bootstrap_alloc(size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (bootstrap_used + size > sizeof bootstrap) return NULL;
    void *p = bootstrap + bootstrap_used;
    bootstrap_used += size;
    return p;
}

static void resolve(void) {
    if (real_malloc) return;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_free = dlsym(RTLD_NEXT, "free");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
}

// Writes `value` in decimal just before `end`; returns where it starts.
static char *decimal(char *end, unsigned long value) {
    do {
        *--end = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    return end;
}

// Async-signal-safe: formats the counters by hand and writes the line with one write(2).
static void report(int signal) {
    (void)signal;
    char line[96];
    char *end = line + sizeof line;
    *--end = '\n';
    char *start = decimal(end, atomic_load(&live_bytes));
    *--start = ' ';
    start = decimal(start, atomic_load(&frees));
    *--start = ' ';
    start = decimal(start, atomic_load(&allocations));
    if (report_fd >= 0) (void)!write(report_fd, start, (size_t)(line + sizeof line - start));
}

__attribute__((constructor)) static void start(void) {
    resolve();
    const char *path = getenv("MALLOC_COUNTER_FILE");
    if (path) report_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = report;
    action.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &action, NULL);
}

// Counts a block that was just allocated (NULL: none).
static void *allocated(void *p) {
    if (p) {
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&live_bytes, malloc_usable_size(p), memory_order_relaxed);
    }
    return p;
}

// Counts a block about to be freed.
static void freeing(void *p) {
    atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&live_bytes, malloc_usable_size(p), memory_order_relaxed);
}

void *malloc(size_t size) {
    if (!real_malloc) resolve();
    return allocated(real_malloc(size));
}

void *calloc(size_t n, size_t size) {
    if (!real_calloc) {
        void *p = bootstrap_alloc(n * size);
        if (p) memset(p, 0, n * size);
        return p;
    }
    return allocated(real_calloc(n, size));
}

void free(void *p) {
    if (from_bootstrap(p)) return;
    if (!real_free) resolve();
    if (p) freeing(p);
    real_free(p);
}

// A realloc that returns a block counts as an allocation, and, when it was given one, as a free of
// that one (moved or not): allocations minus frees stays the number of live blocks.
void *realloc(void *p, size_t size) {
    if (!real_realloc) resolve();
    if (!p) return allocated(real_realloc(p, size));
    if (from_bootstrap(p)) {  // never freed: copy what it can hold into a counted block
        size_t held = (size_t)(bootstrap + sizeof bootstrap - (char *)p);
        void *q = malloc(size);
        if (q) memcpy(q, p, size < held ? size : held);
        return q;
    }
    size_t old = malloc_usable_size(p);
    void *q = real_realloc(p, size);
    if (q || size == 0) {  // p is gone (moved, resized or freed)
        atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&live_bytes, old, memory_order_relaxed);
    }
    return allocated(q);
}

int posix_memalign(void **p, size_t alignment, size_t size) {
    if (!real_posix_memalign) resolve();
    int error = real_posix_memalign(p, alignment, size);
    if (error == 0) allocated(*p);
    return error;
}

void *aligned_alloc(size_t alignment, size_t size) {
    if (!real_aligned_alloc) resolve();
    return allocated(real_aligned_alloc(alignment, size));
}

void *memalign(size_t alignment, size_t size) {
    if (!real_memalign) resolve();
    return allocated(real_memalign(alignment, size));
}
