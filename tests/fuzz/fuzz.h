/* SPDX-License-Identifier: MIT */
/* What every libFuzzer harness here shares: the entry point's prototype, an invariant check that
 * aborts (so libFuzzer saves the input), and an allocation that never returns NULL. */
#ifndef ZFUZZ_H
#define ZFUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static inline char *xmalloc(size_t n)
{
    char *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

#endif
