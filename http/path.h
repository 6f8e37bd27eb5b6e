/* SPDX-License-Identifier: MIT */
/* zokiod http: request-target path handling (split, decode, normalize) and output escaping.
 * Pure functions: no allocation, no I/O. All buffers belong to the caller. */
#ifndef ZH_PATH_H
#define ZH_PATH_H

#include <stddef.h>

/* Splits an origin-form request-target at the first '?'. `*pathlen` receives the length of the
 * path part; `*query`/`*querylen` point into `target` just after the '?' (NULL/0 when there is
 * no '?'; an empty query "/a?" gives a non-NULL pointer with length 0). Nothing is copied. */
void zh_path_split_query(const char *target, size_t len, size_t *pathlen, const char **query,
                         size_t *querylen);

/* Decodes and normalizes the path part of a request-target (query already split off).
 *
 * - `raw` must start with '/' (else 400). Raw control bytes (< 0x20, 0x7f) are rejected (400).
 * - Segments are split on LITERAL '/' only, then each segment is percent-decoded exactly once
 *   ("%252e" stays the name "%2e"). An invalid escape ('%' not followed by two hex digits) or
 *   "%00" gives 400. A decoded "%2F" would put a '/' inside a file name, which no file can
 *   have, so it gives 404 (a 400 elsewhere in the path wins over this 404).
 * - Empty segments (duplicate slashes) are dropped; decoded "." and ".." segments (including
 *   "%2e", "%2E%2e") are removed as RFC 3986 remove_dot_segments does; ".." above the root is 400
 *   (as nginx answers).
 * - A trailing '/' is kept (a directory request), and a final "." or ".." segment also leaves
 *   the path ending in '/' ("/a/b/.." -> "/a/").
 *
 * On success writes the decoded path (starts with '/', NUL-terminated, may contain any byte
 * except NUL and '/' inside segments) to `out`, sets `*outlen` (without the NUL) and returns 0.
 * Returns 400, 404, or 414 when the result plus its NUL (or a prefix later removed by "..")
 * does not fit in `outcap` bytes; `out` then holds garbage. `out` must not overlap `raw`. */
int zh_path_normalize(const char *raw, size_t len, char *out, size_t outcap, size_t *outlen);

/* zh_path_normalize with nginx's merge_slashes `merge` (1: as above); 0: an empty segment is kept
 * ("//a//b" stays "//a//b", "/a//../b" is "/a/b": ".." removes the empty segment). */
int zh_path_normalize_merge(const char *raw, size_t len, int merge, char *out, size_t outcap,
                            size_t *outlen);

/* Percent-escapes a (decoded) path for a Location header or an HTML href: controls, space,
 * '"', '#', '%', '<', '>', '?', '\\', '^', '`', '{', '|', '}', DEL and every byte >= 0x80 become
 * "%XX" (uppercase hex); '/' and all other printable ASCII pass through.
 * snprintf semantics: writes at most `cap` bytes including a NUL (when cap > 0) and returns
 * the length the full result needs (without NUL); a return >= cap means it was truncated. */
size_t zh_uri_escape(const char *in, size_t len, char *out, size_t cap);

/* HTML-escapes text for element content and quoted attributes: & < > " ' become
 * &amp; &lt; &gt; &quot; &#39;. Same snprintf semantics as zh_uri_escape. */
size_t zh_html_escape(const char *in, size_t len, char *out, size_t cap);

#endif
