/*
 * tests/unit/relay_log_test.c — srtpd's log escaping (rtp/relay/log.c,
 * relay_log_escape): what a peer puts in a call-id never reaches the log
 * as a control byte, invalid UTF-8 or a character that moves text; valid
 * UTF-8 text stays readable; output is cut at whole characters.
 */
#include <string.h>

#include "relay/log.h"
#include "tests/check.h"

static const char *esc(const char *in, size_t n, size_t cap)
{
    static char out[512];
    relay_log_escape(in, n, out, cap);
    return out;
}
#define ESC(s) esc(s, sizeof(s) - 1, 512)

static void test_controls(void)
{
    CHECK_STR_EQ(ESC("a\nb\rc\x1b[31m\x01\x7f\t"), "a\\x0ab\\x0dc\\x1b[31m\\x01\\x7f\\x09");
    CHECK_STR_EQ(ESC("back\\slash"), "back\\x5cslash");
    CHECK_STR_EQ(esc("nul\0x", 5, 512), "nul\\x00x");
    CHECK_STR_EQ(ESC("plain-call-id@192.0.2.1"), "plain-call-id@192.0.2.1");
}

static void test_utf8(void)
{
    CHECK_STR_EQ(ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    CHECK_STR_EQ(ESC("\xc0\xaf"), "\\xc0\\xaf");                   /* overlong '/' */
    CHECK_STR_EQ(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* surrogate */
    CHECK_STR_EQ(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
    CHECK_STR_EQ(ESC("\xe2\x82"), "\\xe2\\x82");                   /* cut short */
    CHECK_STR_EQ(ESC("\xff\xfe"), "\\xff\\xfe");
    CHECK_STR_EQ(ESC("\xc2\x9b"
                     "2J"),
                 "\\xc2\\x9b2J");                         /* C1 CSI */
    CHECK_STR_EQ(ESC("\xe2\x80\xa8"), "\\xe2\\x80\\xa8"); /* line separator */
    CHECK_STR_EQ(ESC("\xe2\x80\xae"
                     "cba"),
                 "\\xe2\\x80\\xaecba");                   /* RLO */
    CHECK_STR_EQ(ESC("\xe2\x81\xa6"), "\\xe2\\x81\\xa6"); /* LRI */
}

static void test_cut(void)
{
    /* Never half an escape or half a character at the end. */
    CHECK_STR_EQ(esc("ab\n", 3, 5), "ab");
    CHECK_STR_EQ(esc("a\xc3\xa9", 3, 3), "a");
    CHECK_STR_EQ(esc("abc", 3, 1), "");
}

int main(void)
{
    RUN(test_controls);
    RUN(test_utf8);
    RUN(test_cut);
    return check_summary("relay_log");
}
