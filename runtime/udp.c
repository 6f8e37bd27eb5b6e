/* SPDX-License-Identifier: MIT */
/* zokio: datagram sockets (the bind helper; the ops are in the backends). */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/udp.h"

static int set_opt(int fd, int level, int name)
{
    int one = 1;
    return setsockopt(fd, level, name, &one, sizeof one) < 0 ? -errno : 0;
}

int zk_udp_bind(const struct sockaddr *addr, socklen_t len, unsigned flags)
{
    socklen_t need;
    switch (addr->sa_family) {
    case AF_INET: need = sizeof(struct sockaddr_in); break;
    case AF_INET6: need = sizeof(struct sockaddr_in6); break;
    default: return -EAFNOSUPPORT;
    }
    if (len < need) return -EINVAL;
    int fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int r = 0;
    if (flags & ZK_UDP_REUSEADDR) r = set_opt(fd, SOL_SOCKET, SO_REUSEADDR);
    if (r == 0 && (flags & ZK_UDP_REUSEPORT)) r = set_opt(fd, SOL_SOCKET, SO_REUSEPORT);
    if (r == 0 && (flags & ZK_UDP_V6ONLY) && addr->sa_family == AF_INET6)
        r = set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY);
    if (r == 0 && bind(fd, addr, len) < 0) r = -errno;
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int zk_udp_local(int fd, struct sockaddr_storage *ss, socklen_t *len)
{
    *len = sizeof *ss;
    return getsockname(fd, (struct sockaddr *)ss, len) < 0 ? -errno : 0;
}
