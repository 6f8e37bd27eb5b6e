/* SPDX-License-Identifier: MIT */
/* zokiod: until the configuration issue lands, a built-in default: one process serving a
 * document root (default www/) on one address (default 127.0.0.1:8080).
 *   zokiod [-r DOCROOT] [-l ADDR:PORT] [-m MIME_TYPES] [-h]
 * SIGTERM / SIGINT stop it. The backend comes from ZOKIOD_BACKEND (auto by default). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/mime.h"
#include "http/server.h"
#include "runtime/zk.h"

static zk_async_t stop_async;
static zh_server_t *server;

static void on_signal(int sig)
{
    (void)sig;
    zk_async_send(&stop_async); /* an atomic and a write(2): async-signal-safe */
}

static void on_stop(zk_loop_t *loop, zk_async_t *a)
{
    (void)a;
    zh_server_stop(server);
    zk_loop_stop(loop);
}

static int listen_on(const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host) return -EINVAL;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return -EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) return -errno;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4096) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

static int load_mime(zh_mime_t *m, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -errno;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char err[256];
    if (zh_mime_parse(m, buf, n, err, sizeof err) < 0) {
        fprintf(stderr, "zokiod: %s: %s\n", path, err);
        return -EINVAL;
    }
    return 0;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    const char *root = "www", *addr = "127.0.0.1:8080", *mime_path = "conf/mime.types";
    int opt;
    while ((opt = getopt(argc, argv, "r:l:m:h")) != -1) {
        switch (opt) {
        case 'r': root = optarg; break;
        case 'l': addr = optarg; break;
        case 'm': mime_path = optarg; break;
        default:
            fprintf(stderr, "usage: zokiod [-r DOCROOT] [-l ADDR:PORT] [-m MIME_TYPES]\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    raise_nofile();
    zh_mime_t mime = {0};
    if (load_mime(&mime, mime_path) < 0)
        fprintf(stderr, "zokiod: %s: cannot load, every file is application/octet-stream\n",
                mime_path);
    int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) {
        fprintf(stderr, "zokiod: document root %s: %s\n", root, strerror(errno));
        return 1;
    }
    int lfd = listen_on(addr);
    if (lfd < 0) {
        fprintf(stderr, "zokiod: listen %s: %s\n", addr, strerror(-lfd));
        return 1;
    }
    zk_loop_t *loop;
    int r = zk_loop_new(&loop, NULL);
    if (r < 0) {
        fprintf(stderr, "zokiod: event loop: %s\n", strerror(-r));
        return 1;
    }
    static const char *const index[] = {"index.html", NULL};
    zh_site_t site = {.root_fd = root_fd,
                      .mime = &mime,
                      .default_type = "application/octet-stream",
                      .index = index};
    zh_limits_t lim;
    zh_limits_default(&lim);
    if ((r = zh_server_new(&server, loop, &site, &lim)) < 0 ||
        (r = zh_server_listen(server, lfd)) < 0) {
        fprintf(stderr, "zokiod: %s\n", strerror(-r));
        return 1;
    }
    zk_async_init(loop, &stop_async, on_stop);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    fprintf(stderr, "zokiod: serving %s on http://%s/ (backend %s)\n", root, addr,
            zk_loop_backend_name(loop));
    r = zk_loop_run(loop, ZK_RUN_DEFAULT);
    /* a fast stop: the process exit closes what is still open */
    close(lfd);
    return r < 0 ? 1 : 0;
}
