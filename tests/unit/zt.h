/* SPDX-License-Identifier: MIT */
#ifndef ZT_H
#define ZT_H

/*
 * zt: the unit test framework of zokio.
 *
 *   #include "tests/unit/zt.h"
 *   ZT_TEST(loop_runs) { ZT_EQ_INT(zk_loop_run(l), 0); }
 *
 * Every test runs in its own forked child with a 20 s limit, so a crash, an abort or a hang fails
 * that test only. The ZT_* check macros `return` from the function they are written in: use them
 * in the test body (a helper that uses them must be followed by `if (zt_failed()) return;`).
 * Only the first failure of a test is reported.
 *
 * The runner (main() in zt.c) takes an optional argument: run only the tests whose name contains
 * it. `--list` prints the test names. Output, one line per test, then a summary line:
 *   ok   SUITE/name [backend]
 *   FAIL SUITE/name [backend]: reason
 *   skip SUITE/name [backend]: reason
 *   N passed, N failed[, N skipped]
 */

/** Signature of a test body; registered by ZT_TEST, called by the runner in a child process. */
typedef void (*zt_fn)(void);

/** Registers test `name` (a string literal that outlives the program). Called by ZT_TEST's
 *  constructor before main(); tests run in source order (file, then line). */
void zt_register(const char *name, zt_fn fn, const char *file, int line);

/** Records a failure of the running test as "file:line: message" (printf format); only the first
 *  failure is kept. Does not return early by itself: the ZT_* macros do. */
void zt_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Records the ZT_EQ_STR failure "file:line: ea == eb ("a" != "b")"; a NULL prints as NULL. */
void zt_fail_str(const char *file, int line, const char *ea, const char *eb, const char *a,
                 const char *b);

/** Marks the running test as skipped with a printf-formatted reason (a failure still wins). */
void zt_skip_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Returns nonzero once the running test has failed (for tests that call checking helpers). */
int zt_failed(void);

/** Returns the backend the tests are asked to use: the value of $ZOKIOD_BACKEND ("io_uring",
 *  "epoll"), or "auto" when it is unset or empty. The string is not owned by the caller. */
const char *zt_backend(void);

/** NULL-safe string equality used by ZT_EQ_STR: two NULLs are equal, one NULL is not. */
int zt_streq(const char *a, const char *b);

/** Defines and registers the test `name`; follow it with the body in braces. */
#define ZT_TEST(name)                                                                              \
    static void zt_test_##name(void);                                                              \
    __attribute__((constructor)) static void zt_register_##name(void)                              \
    {                                                                                              \
        zt_register(#name, zt_test_##name, __FILE__, __LINE__);                                    \
    }                                                                                              \
    static void zt_test_##name(void)

/** Fails with "file:line: cond" and returns from the test when cond is false. */
#define ZT_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            zt_fail_at(__FILE__, __LINE__, "%s", #cond);                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/** Compares a and b as long long; on mismatch fails printing both values and returns. */
#define ZT_EQ_INT(a, b)                                                                            \
    do {                                                                                           \
        long long zt_a_ = (long long)(a);                                                          \
        long long zt_b_ = (long long)(b);                                                          \
        if (zt_a_ != zt_b_) {                                                                      \
            zt_fail_at(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, zt_a_, zt_b_);       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/** Compares two C strings (NULL-safe); on mismatch fails printing both and returns. */
#define ZT_EQ_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *zt_sa_ = (a);                                                                  \
        const char *zt_sb_ = (b);                                                                  \
        if (!zt_streq(zt_sa_, zt_sb_)) {                                                           \
            zt_fail_str(__FILE__, __LINE__, #a, #b, zt_sa_, zt_sb_);                               \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/** Fails with a printf-formatted message and returns: ZT_FAIL("got %d", n). */
#define ZT_FAIL(...)                                                                               \
    do {                                                                                           \
        zt_fail_at(__FILE__, __LINE__, __VA_ARGS__);                                               \
        return;                                                                                    \
    } while (0)

/** Marks the test skipped with a printf-formatted reason and returns: ZT_SKIP("no io_uring"). */
#define ZT_SKIP(...)                                                                               \
    do {                                                                                           \
        zt_skip_msg(__VA_ARGS__);                                                                  \
        return;                                                                                    \
    } while (0)

#endif
