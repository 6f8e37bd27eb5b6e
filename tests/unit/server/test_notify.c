/* SPDX-License-Identifier: MIT */
/* zs_notify: a no-op without $NOTIFY_SOCKET; one datagram to a path socket and to an abstract
 * one; errors for bad names and missing sockets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server/notify.h"
#include "tests/unit/server/srv.h"
#include "tests/unit/zt.h"

/* A bound AF_UNIX datagram socket; `name` starting with '@' is abstract. Returns the fd or -1. */
static int bind_dgram(const char *name)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    if (n >= sizeof sa.sun_path) return -1;
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@') sa.sun_path[0] = 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) <
        0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Receives one datagram into buf (NUL-terminated); returns its length or -1. */
static ssize_t recv_one(int fd, char *buf, size_t cap)
{
    ssize_t n = recv(fd, buf, cap - 1, 0);
    buf[n < 0 ? 0 : n] = 0;
    return n;
}

ZT_TEST(notify_without_socket_is_a_noop)
{
    unsetenv("NOTIFY_SOCKET");
    ZT_EQ_INT(zs_notify("READY=1"), 0);
    setenv("NOTIFY_SOCKET", "", 1);
    ZT_EQ_INT(zs_notify("READY=1"), 0);
}

ZT_TEST(notify_path_socket)
{
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512], buf[256];
    srv_path(path, sizeof path, dir, "notify");
    int fd = bind_dgram(path);
    ZT_CHECK(fd >= 0);
    setenv("NOTIFY_SOCKET", path, 1);
    char state[64];
    snprintf(state, sizeof state, "READY=1\nMAINPID=%ld", (long)getpid());
    int r1 = zs_notify(state);
    ssize_t n1 = recv_one(fd, buf, sizeof buf);
    int same = strcmp(buf, state) == 0;
    int r2 = zs_notify("RELOADING=1");
    ssize_t n2 = recv_one(fd, buf, sizeof buf);
    char extra[16];
    ssize_t more = recv_one(fd, extra, sizeof extra);
    close(fd);
    srv_rmtree(dir);
    ZT_EQ_INT(r1, 0);
    ZT_EQ_INT(n1, (ssize_t)strlen(state));
    ZT_CHECK(same);
    ZT_EQ_INT(r2, 0);
    ZT_EQ_INT(n2, 11);
    ZT_EQ_STR(buf, "RELOADING=1");
    ZT_EQ_INT(more, -1); /* exactly two datagrams */
}

ZT_TEST(notify_abstract_socket)
{
    char name[64], buf[64];
    snprintf(name, sizeof name, "@zokiod-test-notify-%ld", (long)getpid());
    int fd = bind_dgram(name);
    ZT_CHECK(fd >= 0);
    setenv("NOTIFY_SOCKET", name, 1);
    int r = zs_notify("STOPPING=1");
    ssize_t n = recv_one(fd, buf, sizeof buf);
    ssize_t more = recv_one(fd, buf + 32, sizeof buf - 32);
    close(fd);
    ZT_EQ_INT(r, 0);
    ZT_EQ_INT(n, 10);
    ZT_EQ_STR(buf, "STOPPING=1");
    ZT_EQ_INT(more, -1); /* one datagram only */
}

ZT_TEST(notify_errors)
{
    setenv("NOTIFY_SOCKET", "relative/path", 1);
    ZT_EQ_INT(zs_notify("READY=1"), -EINVAL);
    setenv("NOTIFY_SOCKET", "@", 1);
    ZT_EQ_INT(zs_notify("READY=1"), -EINVAL);
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = 0;
    setenv("NOTIFY_SOCKET", longname, 1);
    ZT_EQ_INT(zs_notify("READY=1"), -EINVAL);
    setenv("NOTIFY_SOCKET", "/nonexistent-zokiod-dir/notify", 1);
    ZT_EQ_INT(zs_notify("READY=1"), -ENOENT);
    char name[64];
    snprintf(name, sizeof name, "@zokiod-test-nobody-%ld", (long)getpid());
    setenv("NOTIFY_SOCKET", name, 1);
    ZT_EQ_INT(zs_notify("READY=1"), -ECONNREFUSED);
    ZT_EQ_INT(zs_notify(NULL), -EINVAL);
}
