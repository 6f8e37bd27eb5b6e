/* SPDX-License-Identifier: MIT */
/* zokiod: the master's listening sockets (see listens.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/listens.h"

static zs_sock_t *socks; /* every socket some generation uses */

static int open_listen(const zc_listen_t *l, char *err, size_t errlen)
{
    int fd = socket(l->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) {
        snprintf(err, errlen, "zokiod: socket() for %s failed (%s)", l->text, strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l->reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (l->family == AF_INET6) {
        int v6only = l->ipv6only;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    /* nginx's words, errno number included */
    int backlog = l->backlog > 0 ? l->backlog : 511;
    if (bind(fd, (const struct sockaddr *)&l->sa, l->salen) < 0) {
        snprintf(err, errlen, "zokiod: bind() to %s failed (%d: %s)", l->text, errno,
                 strerror(errno));
        close(fd);
        return -1;
    }
    if (listen(fd, backlog) < 0) {
        snprintf(err, errlen, "zokiod: listen() to %s, backlog %d failed (%d: %s)", l->text,
                 backlog, errno, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

zs_sock_t *zs_sock_get(const zc_listen_t *l, char *err, size_t errlen)
{
    for (zs_sock_t *s = socks; s; s = s->next)
        if (!strcmp(s->text, l->text)) {
            s->refs++;
            return s;
        }
    zs_sock_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "zokiod: out of memory");
        return NULL;
    }
    snprintf(s->text, sizeof s->text, "%s", l->text);
    if ((s->fd = open_listen(l, err, errlen)) < 0) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->next = socks;
    socks = s;
    return s;
}

void zs_sock_put(zs_sock_t *s)
{
    if (!s || --s->refs) return;
    for (zs_sock_t **pp = &socks; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    close(s->fd);
    free(s);
}

void zs_socks_close_others(zs_sock_t *const *keep, size_t n)
{
    for (zs_sock_t *s = socks; s; s = s->next) {
        size_t i = 0;
        while (i < n && keep[i] != s)
            i++;
        if (i == n) close(s->fd);
    }
}

void zs_socks_unlisten(void)
{
    for (zs_sock_t *s = socks; s; s = s->next)
        shutdown(s->fd, SHUT_RDWR);
}
