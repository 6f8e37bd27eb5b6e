/* SPDX-License-Identifier: MIT */
#include "server/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int zs_notify(const char *state)
{
    const char *name = getenv("NOTIFY_SOCKET");
    if (!name || !*name) return 0;
    if (!state) return -EINVAL;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    if ((name[0] != '/' && name[0] != '@') || n < 2 || n > sizeof sa.sun_path) return -EINVAL;
    if (n == sizeof sa.sun_path && name[0] == '/') return -EINVAL; /* no room for the NUL */
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@') sa.sun_path[0] = 0; /* abstract: the length, not a NUL, ends the name */
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    size_t len = strlen(state);
    ssize_t w;
    do
        w = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
    while (w < 0 && errno == EINTR);
    int r = w < 0 ? -errno : (size_t)w == len ? 0 : -EIO;
    close(fd);
    return r;
}
