/* SPDX-License-Identifier: MIT */
/* The one text appender (http/sink.h): measure, fixed buffer, growing buffer. */
#include <stdlib.h>

#include "tests/unit/zt.h"

#include "http/path.h"
#include "http/sink.h"

static void build(zh_sink_t *s)
{
    ZH_SINK_LIT(s, "n=");
    zh_sink_u64(s, 18446744073709551615ull);
    zh_sink_str(s, " <a&b>");
    zh_sink_escaped(s, zh_html_escape, "<a&b>", 5);
    zh_sink_u64(s, 0);
}

#define WANT "n=18446744073709551615 <a&b>&lt;a&amp;b&gt;0"

ZT_TEST(sink_measure_then_write)
{
    zh_sink_t m = ZH_SINK(NULL, 0);
    build(&m);
    ZT_EQ_INT(m.need, strlen(WANT));
    ZT_EQ_INT(m.written, 0);
    char *buf = malloc(m.need + 1);
    ZT_CHECK(buf != NULL);
    zh_sink_t w = ZH_SINK(buf, m.need + 1); /* exactly the text and its NUL */
    build(&w);
    ZT_CHECK(zh_sink_ok(&w));
    ZT_EQ_INT(zh_sink_end(&w), strlen(WANT));
    ZT_EQ_STR(buf, WANT);
    free(buf);
}

/* one byte short: the piece that does not fit and everything after it stay out, whole pieces
 * before it are kept, the needed length is still right */
ZT_TEST(sink_fixed_never_half_a_piece)
{
    char buf[64];
    memset(buf, 'x', sizeof buf);
    zh_sink_t s = ZH_SINK(buf, strlen(WANT));
    build(&s);
    ZT_CHECK(!zh_sink_ok(&s));
    ZT_EQ_INT(zh_sink_end(&s), strlen(WANT));
    ZT_EQ_STR(buf, "n=18446744073709551615 <a&b>&lt;a&amp;b&gt;");
    ZT_EQ_INT(buf[strlen(WANT)], 'x'); /* nothing past the end */
}

ZT_TEST(sink_growing)
{
    zh_sink_t s = ZH_SINK_GROWING;
    for (int i = 0; i < 2000; i++)
        build(&s);
    ZT_CHECK(zh_sink_ok(&s));
    ZT_EQ_INT(zh_sink_end(&s), 2000 * strlen(WANT));
    ZT_CHECK(s.cap > s.written);
    ZT_CHECK(memcmp(s.out + 1999 * strlen(WANT), WANT, strlen(WANT)) == 0);
    free(s.out);
}
