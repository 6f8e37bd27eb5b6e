/* SPDX-License-Identifier: MIT */
/* zokiod http: file extension -> media type table.
 *
 * The table is filled one pair at a time with zh_mime_add(); http/ reads no mime.types text
 * (conf/ parses the `types {}` blocks and server/gen.c adds the pairs it found). Extensions are
 * stored lowercased and looked up case-insensitively; adding an extension again replaces its
 * type (nginx: the later entry wins). A type is kept byte for byte, spaces and ';' included: it
 * is the Content-Type value. */
#ifndef ZH_MIME_H
#define ZH_MIME_H

#include <stddef.h>
#include <stdint.h>

struct zh_mime_slot;

/* Open-addressing hash table. Two allocations: the slots, and one string area that holds the
 * extensions and the types (slots address it by offset, so it can grow). A zeroed zh_mime_t is
 * a valid empty table. */
typedef struct zh_mime {
    struct zh_mime_slot *slots;
    size_t mask; /* slot count - 1 (power of two), 0 when no slot */
    size_t count;
    char *str; /* NUL-terminated strings */
    size_t strused, strcap;
    size_t maxlen;      /* longest extension stored: longer ones are not looked up */
    uint32_t last_type; /* offset of the type stored last: a repeated type is stored once */
} zh_mime_t;

/* Maps the extension `ext[0, extlen)` (no '.', no NUL needed) to `type` (NUL-terminated), or
 * replaces the type of an extension already in the table. Both are copied. Returns 0, -EINVAL
 * (empty extension, one containing '.', '/' or a NUL byte, which no path could end with; a type
 * containing CR or LF, which would end the header line), or -ENOMEM (the table is unchanged).
 * Strings returned by an earlier lookup are invalid after an add: fill the table first. */
int zh_mime_add(zh_mime_t *m, const char *ext, size_t extlen, const char *type);

/* Returns the media type for the last extension of `path`'s final component (after the last
 * '.' following the last '/'), or NULL when it has none or it is unknown; the caller then uses
 * its default_type. A leading dot does not start an extension (".htaccess" and "/a/.bashrc"
 * have none; ".tar.gz" has "gz"), nor does a trailing one ("file."). The string is owned by
 * the table and lives until the next zh_mime_add or zh_mime_free. `path` is NUL-terminated. */
const char *zh_mime_lookup(const zh_mime_t *m, const char *path);

/* Like zh_mime_lookup for a path of `len` bytes that need not be NUL-terminated. */
const char *zh_mime_lookup_n(const zh_mime_t *m, const char *path, size_t len);

/* Number of extensions in the table. */
size_t zh_mime_count(const zh_mime_t *m);

/* Frees the table and zeroes `*m`. Safe on a zeroed table and twice in a row. */
void zh_mime_free(zh_mime_t *m);

#endif
