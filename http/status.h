/* SPDX-License-Identifier: MIT */
/* zokiod http: reason phrases for the status codes zokiod sends. */
#ifndef ZH_STATUS_H
#define ZH_STATUS_H

/* Returns the RFC 9110 reason phrase for `status` (a static string, e.g. "Not Found"), or
 * "Unknown" for a code zokiod never sends. */
const char *zh_status_reason(int status);

#endif
