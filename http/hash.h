/* SPDX-License-Identifier: MIT */
/* zokiod http: the one string hash of http/ (FNV-1a, 32 bits), byte-exact or ASCII-case-blind. */
#ifndef ZH_HASH_H
#define ZH_HASH_H

#include <stddef.h>
#include <stdint.h>

#define ZH_FNV_BASIS 2166136261u
#define ZH_FNV_PRIME 16777619u

static inline uint32_t zh_hash(const char *s, size_t n)
{
    uint32_t h = ZH_FNV_BASIS;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * ZH_FNV_PRIME;
    return h;
}

/* As zh_hash, with A-Z hashed as a-z (keys compared case-blind, such as file extensions). */
static inline uint32_t zh_hash_lower(const char *s, size_t n)
{
    uint32_t h = ZH_FNV_BASIS;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        h = (h ^ (c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c)) * ZH_FNV_PRIME;
    }
    return h;
}

#endif
