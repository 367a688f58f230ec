/*
 * tests/unit/kam_sdpsafe_test.c — unit tests of modules/sdes/call/sdpsafe.c:
 * the neutral SDP sdes.so puts in place of a body it refused (every stream
 * rejected, nothing of the original's addresses, ports, keys or
 * candidates) and the c= address check. Runs as a unit test (and under
 * ASan/UBSan with `make asan`).
 */
#include <string.h>

#include "sdes/call/sdpsafe.h"
#include "tests/check.h"

static char out[SDES_NEUTER_CAP];
static int streams;

static size_t neuter(const char *s)
{
    return sdes_call_neuter(s, strlen(s), out, sizeof(out), &streams);
}

static const char *const leaks[] = {"192.0.2.11", "41110", "41111", "inline:",      "candidate",
                                    "a=",         "b=AS",  "alice", "2001:db8::11", NULL};

static int leaked(void)
{
    for (int i = 0; leaks[i]; i++)
        if (strstr(out, leaks[i]))
            return 1;
    return 0;
}

static void test_neuter_keeps_streams_drops_the_rest(void)
{
    const char *sdp =
        "v=0\r\no=alice 2890844526 2890844527 IN IP4 192.0.2.11\r\ns=call\r\n"
        "c=IN IP4 192.0.2.11\r\nb=AS:64\r\nt=0 0\r\n"
        "m=audio 41110 RTP/SAVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\r\n"
        "a=candidate:1 1 UDP 2130706431 192.0.2.11 41110 typ host\r\n"
        "a=rtcp:41111 IN IP4 192.0.2.11\r\n"
        "m=video 41112 RTP/AVP 96\r\nc=IN IP4 192.0.2.11\r\n";
    size_t n = neuter(sdp);
    CHECK(n > 0);
    CHECK_EQ(n, strlen(out));
    CHECK_EQ(streams, 2);
    CHECK(!leaked());
    CHECK(strstr(out, "v=0\r\no=- 2890844526 2890844527 IN IP4 0.0.0.0\r\ns=-\r\n"
                      "c=IN IP4 0.0.0.0\r\nt=0 0\r\n") == out);
    CHECK(strstr(out, "\r\nm=audio 0 RTP/SAVP 0 8 101\r\nm=video 0 RTP/AVP 96\r\n"));
}

static void test_neuter_ipv6_and_lf_only(void)
{
    size_t n = neuter("v=0\no=- x7 1 IN IP6 2001:db8::11\ns=-\nc=IN IP6 2001:db8::11\nt=0 0\n"
                      "m=audio 41110 RTP/SAVP 0\n");
    CHECK(n > 0);
    CHECK(!leaked());
    CHECK(strstr(out, "o=- 0 1 IN IP6 ::\r\n")); /* a session id that is no number: 0 */
    CHECK(strstr(out, "c=IN IP6 ::\r\n"));
    CHECK(strstr(out, "m=audio 0 RTP/SAVP 0\r\n"));
    CHECK_EQ(streams, 1);
}

static void test_neuter_hostile_tokens(void)
{
    /* Addresses or junk smuggled into the m= line's tokens do not pass. */
    size_t n = neuter("v=0\r\nc=IN IP4 192.0.2.11\r\n"
                      "m=audio 41110 RTP/SAVP 0 192.0.2.11 101\r\n"
                      "m=aud\x1bio 41110 RTP/SAVP;x=192.0.2.11 0\r\n"
                      "m=application 41110 UDP/TLS/SCTP webrtc-datachannel\r\n"
                      "m=audio\r\n");
    CHECK(n > 0);
    CHECK(!leaked());
    CHECK_EQ(streams, 4);
    CHECK(strstr(out, "m=audio 0 RTP/SAVP 0 101\r\n"));
    CHECK(strstr(out, "m=audio 0 RTP/AVP 0\r\n"));
    CHECK(strstr(out, "m=application 0 UDP/TLS/SCTP webrtc-datachannel\r\n"));
    CHECK(!strchr(out, '\x1b'));
}

static void test_neuter_not_sdp(void)
{
    CHECK(neuter("hello 192.0.2.11 41110 inline:abc\r\n") > 0);
    CHECK_EQ(streams, 0);
    CHECK(!leaked());
    CHECK(strstr(out, "v=0\r\n") == out);
    CHECK(!strstr(out, "m="));
    CHECK(neuter("") > 0);
    CHECK_EQ(streams, 0);
}

static void test_neuter_multipart(void)
{
    const char *mp =
        "--XyZ\r\nContent-Type: application/sdp\r\n\r\n"
        "v=0\r\no=- 5 6 IN IP4 192.0.2.11\r\ns=-\r\nc=IN IP4 192.0.2.11\r\nt=0 0\r\n"
        "m=audio 41110 RTP/AVP 0\r\n"
        "--XyZ\r\nContent-Type: application/ISUP\r\n\r\nm=video 41111 x y\r\n--XyZ--\r\n";
    CHECK(neuter(mp) > 0);
    CHECK(!leaked());
    CHECK_EQ(streams, 1);
    CHECK(strstr(out, "m=audio 0 RTP/AVP 0\r\n"));
    CHECK(!strstr(out, "XyZ"));
    /* Garbage multipart (two SDP parts): no SDP taken from it. */
    const char *two =
        "--XyZ\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 41110 RTP/AVP 0\r\n"
        "--XyZ\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 41110 RTP/AVP 0\r\n"
        "--XyZ--\r\n";
    CHECK(neuter(two) > 0);
    CHECK(!leaked());
    CHECK_EQ(streams, 0);
}

static void test_neuter_bounds(void)
{
    static char big[64 * 1024];
    size_t off = 0;
    off += (size_t)snprintf(big + off, sizeof(big) - off, "v=0\r\nc=IN IP4 192.0.2.11\r\n");
    for (int i = 0; i < 200; i++)
        off += (size_t)snprintf(big + off, sizeof(big) - off,
                                "m=audio 41110 RTP/AVP 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"
                                " 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35\r\n");
    CHECK_EQ(sdes_call_neuter(big, off, out, sizeof(out), &streams) > 0, 1);
    CHECK_EQ(streams, SDES_NEUTER_MAX_M);
    CHECK(!leaked());
    char small[40];
    CHECK_EQ(sdes_call_neuter("v=0\r\nm=audio 1 RTP/AVP 0\r\n", 24, small, sizeof(small), &streams),
             0);
}

static void test_addr_check(void)
{
    char why[200];
#define OK_ADDR(s) CHECK_EQ(sdes_call_sdp_addr_check(s, strlen(s), why, sizeof(why)), 0)
#define BAD_ADDR(s, part) \
    do { \
        CHECK_EQ(sdes_call_sdp_addr_check(s, strlen(s), why, sizeof(why)), -1); \
        CHECK(strstr(why, part)); \
    } while (0)
    OK_ADDR("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP6 2001:db8::1\r\n");
    OK_ADDR("v=0\r\nc=IN IP4 224.2.1.1/127\r\n");
    OK_ADDR("v=0\r\nm=audio 1 RTP/AVP 0\r\n"); /* no c= at all: the engine's to judge */
    BAD_ADDR("v=0\r\nc=IN IP4 sbc.example.com\r\n", "sbc.example.com");
    BAD_ADDR("v=0\r\nc=IN IP4 2001:db8::1\r\n", "2001:db8::1");
    BAD_ADDR("v=0\r\nc=IN IP6 192.0.2.1\r\n", "192.0.2.1");
    BAD_ADDR("v=0\r\nc=IN IP4 300.1.1.1\r\n", "300.1.1.1");
    BAD_ADDR("v=0\r\nc=IN IPX 1.2.3.4\r\n", "IPX");
    BAD_ADDR("v=0\r\nc=IN IP4 a\x1b[2Jb\r\n", "a?[2Jb");
}

int main(void)
{
    RUN(test_neuter_keeps_streams_drops_the_rest);
    RUN(test_neuter_ipv6_and_lf_only);
    RUN(test_neuter_hostile_tokens);
    RUN(test_neuter_not_sdp);
    RUN(test_neuter_multipart);
    RUN(test_neuter_bounds);
    RUN(test_addr_check);
    return check_summary("kam_sdpsafe");
}
