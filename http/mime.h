/* SPDX-License-Identifier: MIT */
/* zokiod http: file extension -> media type table, read from an nginx-format mime.types:
 *
 *     # comment
 *     types {
 *         text/html  html htm;
 *         image/png  png;
 *     }
 *
 * Several `types { }` blocks may follow each other. Tokens may be quoted ("..." or '...').
 * Extensions are stored lowercased and looked up case-insensitively; when an extension is
 * listed twice the later entry wins (nginx does the same, with a warning). */
#ifndef ZH_MIME_H
#define ZH_MIME_H

#include <stddef.h>
#include <stdint.h>

struct zh_mime_slot;

/* Open-addressing hash table; `mem` is the only allocation (slots and strings). A zeroed
 * zh_mime_t is a valid empty table. */
typedef struct zh_mime {
    void *mem;
    struct zh_mime_slot *slots;
    size_t mask; /* slot count - 1 (power of two), 0 when empty */
    size_t count;
} zh_mime_t;

/* Longest extension that can be stored or looked up (longer ones are an error / never match). */
#define ZH_MIME_EXT_MAX 32

/* Parses `buf[0, len)` into `*m`. `*m` is overwritten, not freed: free a previously loaded table
 * yourself. Returns 0, -EINVAL with "line N: reason" in `err` (NUL-terminated, truncated to
 * `errlen`; `err` may be NULL) and `*m` zeroed, or -ENOMEM. The table copies what it needs from
 * `buf`; it keeps no pointer into it. */
int zh_mime_parse(zh_mime_t *m, const char *buf, size_t len, char *err, size_t errlen);

/* Returns the media type for the last extension of `path`'s final component (after the last
 * '.' following the last '/'), or NULL when it has none or it is unknown; the caller then uses
 * its default_type. A leading dot does not start an extension (".htaccess" and "/a/.bashrc"
 * have none; ".tar.gz" has "gz"), nor does a trailing one ("file."). The string is owned by
 * the table and lives until zh_mime_free. `path` is NUL-terminated. */
const char *zh_mime_lookup(const zh_mime_t *m, const char *path);

/* Like zh_mime_lookup for a path of `len` bytes that need not be NUL-terminated. */
const char *zh_mime_lookup_n(const zh_mime_t *m, const char *path, size_t len);

/* Number of extensions in the table. */
size_t zh_mime_count(const zh_mime_t *m);

/* Frees the table and zeroes `*m`. Safe on a zeroed table and twice in a row. */
void zh_mime_free(zh_mime_t *m);

#endif
