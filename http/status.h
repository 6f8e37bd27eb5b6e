/* SPDX-License-Identifier: MIT */
/* zokiod http: reason phrases for the status codes zokiod sends. */
#ifndef ZH_STATUS_H
#define ZH_STATUS_H

/* nginx's internal 494: a header line over one large_client_header_buffers buffer, or a head over
 * all of them. Sent as `400 Bad Request` with nginx's page "Request Header Or Cookie Too Large"
 * (http/response.c), logged as 400. */
#define ZH_STATUS_HEAD_TOO_LARGE 494

/* Returns the reason phrase for `status` (RFC 9110's, nginx's "Not Allowed" for 405; a static
 * string, e.g. "Not Found"), or "Unknown" for a code zokiod never sends. */
const char *zh_status_reason(int status);

/* 1 for the error statuses after which nginx ends keep-alive, whatever the page sent (400,
 * 413, 414, 500, 501: ngx_http_special_response_handler()). */
int zh_status_ends_keepalive(int status);

#endif
