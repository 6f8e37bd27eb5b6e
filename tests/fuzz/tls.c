/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the TLS server side (http/tls.c) of a real zh_server on a loopback
 * listener, driven by one in-process client per input. mbedtls reads and writes through
 * tls.c's memory-BIO callbacks, fed by the runtime's recv stream, so the input reaches them
 * exactly as a network peer's bytes would. The first byte picks what the rest is:
 *   0: raw bytes from the first one (ClientHellos, garbage, plain HTTP, records cut short);
 *   1: raw bytes after a real TLS 1.2 handshake (records the session's keys never made, a
 *      plaintext ClientHello, alerts);
 *   2: plaintext sent as application data after a real handshake (HTTP requests over TLS,
 *      pipelined, for a 40 KiB file: responses that take several records).
 * The client then closes its side and reads until the server closes; every connection must be
 * gone within 5 s (a hang aborts), and ASan / LeakSanitizer watch the rest.
 * The server's certificate (ECDSA P-256, self-signed, test only) is made at start by the
 * openssl command in $TMPDIR: no key is committed. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "http/server.h"
#include "http/tls.h"
#include "runtime/loop.h"
#include "runtime/timer.h"
#include "tests/fuzz/fuzz.h"

static zk_loop_t *loop;
static zh_server_t *srv;
static struct sockaddr_in addr;
static mbedtls_ssl_config cconf;
static mbedtls_ctr_drbg_context cdrbg;
static mbedtls_entropy_context centropy;
static mbedtls_ssl_session csession; /* the last full handshake's ticket: resumed (fast) */
static int have_session;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* a test-only certificate, made now */
static void make_cert(const char *dir, char *cert, char *key, size_t len)
{
    snprintf(cert, len, "%s/fuzz-test-only.pem", dir);
    snprintf(key, len, "%s/fuzz-test-only.key", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
             "-subj /CN=fuzz.test -keyout '%s' -out '%s' >/dev/null 2>&1",
             key, cert);
    if (system(cmd) != 0) {
        fprintf(stderr, "tls fuzz: the openssl command could not make a test certificate\n");
        abort();
    }
}

static void make_site(const char *dir, zh_vhost_t *vh)
{
    static const char *const index[] = {"index.html", NULL};
    static const char *const names[] = {"fuzz.test"};
    char path[512];
    snprintf(path, sizeof path, "%s/fuzz-site", dir);
    mkdir(path, 0700);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(fd >= 0);
    int f = openat(fd, "index.html", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(f >= 0 && write(f, "site\n", 5) == 5);
    close(f);
    f = openat(fd, "big", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(f >= 0);
    char block[4096];
    for (int i = 0; i < 10; i++) {
        memset(block, 'a' + i, sizeof block);
        CHECK(write(f, block, sizeof block) == (ssize_t)sizeof block);
    }
    close(f);
    memset(vh, 0, sizeof *vh);
    vh->names = names;
    vh->nnames = 1;
    vh->base.prefix = "";
    vh->base.site.root_fd = fd;
    vh->base.site.root_path = path;
    vh->base.site.default_type = "application/octet-stream";
    vh->base.site.index = index;
    vh->base.tcp_nodelay = 1;
}

static void client_init(void)
{
    static const char pers[] = "zokiod tls fuzz client";
    mbedtls_ssl_config_init(&cconf);
    mbedtls_ctr_drbg_init(&cdrbg);
    mbedtls_entropy_init(&centropy);
    CHECK(mbedtls_ctr_drbg_seed(&cdrbg, mbedtls_entropy_func, &centropy,
                                (const unsigned char *)pers, sizeof pers - 1) == 0);
    CHECK(mbedtls_ssl_config_defaults(&cconf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT) == 0);
    mbedtls_ssl_conf_authmode(&cconf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_rng(&cconf, mbedtls_ctr_drbg_random, &cdrbg);
    mbedtls_ssl_session_init(&csession);
}

static int init(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char cert[512], key[512], err[256];
    make_cert(dir, cert, key, sizeof cert);
    static zh_vhost_t vh;
    static const zh_vhost_t *vhs[1] = {&vh};
    make_site(dir, &vh);

    zk_loop_opts_t lo = {.backend = ZK_BACKEND_EPOLL, .quiet = 1};
    CHECK(zk_loop_new(&loop, &lo) == 0);
    zh_limits_t lim;
    zh_limits_default(&lim);
    lim.header_timeout = lim.keepalive_timeout = 2 * ZK_SEC;
    lim.linger_timeout = ZK_SEC;
    zh_hooks_t hooks = {.server_header = "zokiod"};
    CHECK(zh_server_new(&srv, loop, &lim, &hooks) == 0);

    zh_tls_cert_t *c;
    if (zh_tls_cert_load(&c, cert, key, err, sizeof err) < 0) {
        fprintf(stderr, "tls fuzz: %s\n", err);
        abort();
    }
    zh_tls_opts_t o;
    zh_tls_opts_default(&o);
    o.handshake_timeout = 2 * ZK_SEC;
    zh_tls_ctx_t *x;
    if (zh_tls_ctx_new(&x, &o, vhs, &c, 1, &vh, c, err, sizeof err) < 0) {
        fprintf(stderr, "tls fuzz: %s\n", err);
        abort();
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK(lfd >= 0);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    CHECK(bind(lfd, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(getsockname(lfd, (struct sockaddr *)&addr, &alen) == 0);
    CHECK(listen(lfd, 64) == 0);
    CHECK(zh_server_listen_tls(srv, lfd, vhs, 1, &vh, x) == 0);
    client_init();
    return 1;
}

/* one loop tick that never blocks; aborts when the input has taken 5 s (a hang) */
static void tick(double start)
{
    CHECK(zk_loop_run(loop, ZK_RUN_NOWAIT) == 0);
    CHECK(now_s() - start < 5.0);
}

/* reads and drops what the server sent; 1 once the server has closed */
static int drain(int fd)
{
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) continue;
        if (n == 0) return 1;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : 1;
    }
}

/* sends all of p (the server reads while the client waits) */
static void send_all(int fd, const uint8_t *p, size_t n, double start)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
            continue;
        }
        if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return; /* the server closed */
        if (drain(fd)) return;
        tick(start);
    }
}

/* a real client handshake: 0, or -1 when the server refused it (it must not here). It resumes
 * the session of the last full one (session tickets) but for every 16th input, so both
 * kinds of handshake are fuzzed and most inputs skip the public-key work. */
static int handshake(mbedtls_ssl_context *ssl, int *fd, double start)
{
    static unsigned n;
    CHECK(mbedtls_ssl_setup(ssl, &cconf) == 0);
    CHECK(mbedtls_ssl_set_hostname(ssl, "fuzz.test") == 0);
    mbedtls_ssl_set_bio(ssl, fd, mbedtls_net_send, mbedtls_net_recv, NULL);
    if (have_session && n++ % 16) CHECK(mbedtls_ssl_set_session(ssl, &csession) == 0);
    for (;;) {
        int r = mbedtls_ssl_handshake(ssl);
        if (r == 0) {
            mbedtls_ssl_session_free(&csession);
            mbedtls_ssl_session_init(&csession);
            have_session = mbedtls_ssl_get_session(ssl, &csession) == 0;
            return 0;
        }
        if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) return -1;
        tick(start);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) ready = init();
    if (size < 1) return 0;
    int mode = data[0] % 3;
    data++;
    size--;
    double start = now_s();
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    CHECK(connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);

    mbedtls_ssl_context ssl;
    mbedtls_ssl_init(&ssl);
    if (mode == 0) {
        send_all(fd, data, size, start);
    } else {
        CHECK(handshake(&ssl, &fd, start) == 0); /* a good client is always served */
        if (mode == 1) {
            send_all(fd, data, size, start);
        } else {
            while (size) {
                int n = mbedtls_ssl_write(&ssl, data, size);
                if (n > 0) {
                    data += n;
                    size -= (size_t)n;
                    continue;
                }
                if (n != MBEDTLS_ERR_SSL_WANT_WRITE && n != MBEDTLS_ERR_SSL_WANT_READ) break;
                if (drain(fd)) break;
                tick(start);
            }
        }
    }
    /* the client is done: the server must close its side, then let go of the connection */
    shutdown(fd, SHUT_WR);
    while (!drain(fd))
        tick(start);
    close(fd);
    while (zh_server_conns(srv) > 0)
        tick(start);
    mbedtls_ssl_free(&ssl);
    return 0;
}
