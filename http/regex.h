/* SPDX-License-Identifier: MIT */
/* zokiod http: running the regexes of `location ~ RE`, `location ~* RE` and `server_name ~RE`
 * (PCRE2), and the captures a match leaves in the request for later use ($1..$9 and named
 * groups: root/alias templates today, the variables engine tomorrow).
 *
 * The patterns are compiled (and JIT-compiled when PCRE2 can) once, when the configuration is
 * loaded; http/ only matches them. Each worker has one match data block (zh_server_t), made at
 * start, so a match allocates nothing. A match copies the offsets it found into a zh_captures_t
 * in the request, so the next match may reuse the block. */
#ifndef ZH_REGEX_H
#define ZH_REGEX_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

/* Groups a match keeps: the whole match ($0) and groups 1..31. conf/ refuses a regex with more
 * groups, so every group of every regex has its offsets kept. */
#define ZH_CAPTURES_MAX 32

/* What one successful match of a regex with groups found. */
typedef struct zh_captures {
    const pcre2_code *re; /* the regex that matched (for group names); NULL: none yet */
    const char *subject;  /* what it matched: the request's host or path, which outlive it */
    uint32_t n;           /* groups recorded: 1 + the highest group that took part */
    uint32_t ov[2 * ZH_CAPTURES_MAX]; /* start and end offsets in subject; an unset group has
                                       * ZH_CAPTURE_UNSET in both */
} zh_captures_t;

#define ZH_CAPTURE_UNSET UINT32_MAX

/* A match data block for zh_regex_match() with room for ZH_CAPTURES_MAX groups; NULL when out of
 * memory. Free it with pcre2_match_data_free(). */
pcre2_match_data *zh_regex_match_data(void);

/* Matches `s` (len bytes; what it points to must outlive *caps) against `re` using `md`.
 * Returns 1 on a match: when `re` has groups and caps is not NULL, *caps records them (a regex
 * without groups leaves *caps as it was, as nginx leaves $1.. to the previous match); 0 when it
 * does not match; a negative PCRE2 error when the match could not be run (a match or depth
 * limit): nginx answers 500 then, and so do the callers. */
int zh_regex_match(const pcre2_code *re, pcre2_match_data *md, const char *s, size_t len,
                   zh_captures_t *caps);

/* Group n of *c: 1 with *p / *len set (an unset group is empty), 0 when c holds no match or the
 * regex has no group n. */
int zh_captures_get(const zh_captures_t *c, unsigned n, const char **p, size_t *len);

/* The group named `name` (len bytes) of *c: as zh_captures_get(), 0 when the regex has no group
 * of that name. When several groups share the name (PCRE2's (?J)), the first that is set. */
int zh_captures_named(const zh_captures_t *c, const char *name, size_t len, const char **p,
                      size_t *plen);

struct zh_req;

/* The request's captures, as nginx's variables see them.
 * $1..$9 (and $0, which nginx scripts cannot name): the groups of the last regex with groups that
 * matched: the regex location's when one matched with groups, else the regex server_name's.
 * A named group (?<name>..) is a variable of its own: the location regex's group of that name
 * when its regex has one, else the server name regex's.
 * Both return 1 with *out set (empty for a group that did not take part), 0 when undefined (nginx
 * substitutes an empty string). The bytes live as long as the request (until the next request on
 * the connection is parsed). */
int zh_capture(const struct zh_req *r, unsigned n, const char **p, size_t *len);
int zh_capture_named(const struct zh_req *r, const char *name, size_t nlen, const char **p,
                     size_t *len);

#endif
