/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/zt.h"

#include "http/tls.h"
#include "runtime/zk.h"

ZT_TEST(tls_suite_names)
{
    /* OpenSSL's names (what nginx configs hold) and IANA's as mbedtls spells them */
    ZT_EQ_INT(zh_tls_suite_id("ECDHE-RSA-AES128-GCM-SHA256", 27), 0xC02F);
    ZT_EQ_INT(zh_tls_suite_id("ECDHE-ECDSA-CHACHA20-POLY1305", 29), 0xCCA9);
    ZT_EQ_INT(zh_tls_suite_id("TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384", 37), 0xC030);
    /* a prefix of a name is not the name */
    ZT_EQ_INT(zh_tls_suite_id("ECDHE-RSA-AES128-GCM-SHA256", 10), -1);
    ZT_EQ_INT(zh_tls_suite_id("BOGUS", 5), -1);
    ZT_EQ_INT(zh_tls_suite_id("TLS_AES_128_GCM_SHA256", 22), -1); /* TLS 1.3: not in 2.28 */
}

ZT_TEST(tls_defaults)
{
    zh_tls_opts_t o;
    zh_tls_opts_default(&o);
    ZT_EQ_INT(o.suites[0], 0);
    ZT_EQ_INT(o.session_tickets, 1);
    ZT_EQ_INT((int)o.session_timeout_s, 300);
    ZT_CHECK(o.handshake_timeout == 10 * ZK_SEC);
    /* every default suite is ECDHE with an AEAD cipher */
    int n = 0;
    for (const int *s = zh_tls_default_suites; *s; s++, n++) {
        char name[64];
        int ok = 0;
        const char *const want[] = {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                                    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                                    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            snprintf(name, sizeof name, "%s", want[i]);
            if (zh_tls_suite_id(name, strlen(name)) == *s) ok = 1;
        }
        ZT_CHECK(ok);
    }
    ZT_EQ_INT(n, 6);
}

ZT_TEST(tls_cert_errors)
{
    zh_tls_cert_t *c = NULL;
    char err[512];
    ZT_EQ_INT(
        zh_tls_cert_load(&c, "/nonexistent/cert.pem", "/nonexistent/key.pem", err, sizeof err), -1);
    ZT_CHECK(strstr(err, "cannot load certificate \"/nonexistent/cert.pem\"") != NULL);
    ZT_CHECK(c == NULL);
    char path[] = "/tmp/zt-tls-XXXXXX";
    int fd = mkstemp(path);
    ZT_CHECK(fd >= 0);
    ZT_CHECK(write(fd, "not a certificate\n", 18) == 18);
    close(fd);
    ZT_EQ_INT(zh_tls_cert_load(&c, path, path, err, sizeof err), -1);
    ZT_CHECK(strstr(err, "cannot load certificate") != NULL);
    unlink(path);
}
