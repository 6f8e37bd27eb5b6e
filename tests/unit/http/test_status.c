/* SPDX-License-Identifier: MIT */
#include "tests/unit/zt.h"

#include "http/status.h"

ZT_TEST(status_reasons)
{
    ZT_EQ_STR(zh_status_reason(200), "OK");
    ZT_EQ_STR(zh_status_reason(204), "No Content");
    ZT_EQ_STR(zh_status_reason(206), "Partial Content");
    ZT_EQ_STR(zh_status_reason(301), "Moved Permanently");
    ZT_EQ_STR(zh_status_reason(302), "Found");
    ZT_EQ_STR(zh_status_reason(303), "See Other");
    ZT_EQ_STR(zh_status_reason(304), "Not Modified");
    ZT_EQ_STR(zh_status_reason(307), "Temporary Redirect");
    ZT_EQ_STR(zh_status_reason(308), "Permanent Redirect");
    ZT_EQ_STR(zh_status_reason(400), "Bad Request");
    ZT_EQ_STR(zh_status_reason(403), "Forbidden");
    ZT_EQ_STR(zh_status_reason(404), "Not Found");
    ZT_EQ_STR(zh_status_reason(405), "Not Allowed");
    ZT_EQ_STR(zh_status_reason(408), "Request Timeout");
    ZT_EQ_STR(zh_status_reason(412), "Precondition Failed");
    ZT_EQ_STR(zh_status_reason(413), "Content Too Large");
    ZT_EQ_STR(zh_status_reason(414), "URI Too Long");
    ZT_EQ_STR(zh_status_reason(416), "Range Not Satisfiable");
    ZT_EQ_STR(zh_status_reason(431), "Request Header Fields Too Large");
    ZT_EQ_STR(zh_status_reason(500), "Internal Server Error");
    ZT_EQ_STR(zh_status_reason(501), "Not Implemented");
    ZT_EQ_STR(zh_status_reason(503), "Service Unavailable");
    ZT_EQ_STR(zh_status_reason(505), "HTTP Version Not Supported");
}

ZT_TEST(status_ends_keepalive)
{
    for (int s = 100; s < 600; s++)
        ZT_EQ_INT(zh_status_ends_keepalive(s),
                  s == 400 || s == 413 || s == 414 || s == 500 || s == 501);
}

ZT_TEST(status_unknown)
{
    ZT_EQ_STR(zh_status_reason(0), "Unknown");
    ZT_EQ_STR(zh_status_reason(-1), "Unknown");
    ZT_EQ_STR(zh_status_reason(418), "Unknown");
    ZT_EQ_STR(zh_status_reason(999), "Unknown");
    ZT_EQ_STR(zh_status_reason(100), "Unknown");
}
