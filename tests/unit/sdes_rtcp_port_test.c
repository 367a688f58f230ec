/*
 * tests/unit/sdes_rtcp_port_test.c — the RTCP port the SDES engine writes
 * for a relayed stream (docs/sdes-module.md "RTCP ports"): srtpd's
 * rtcp-port from its reply, as a=rtcp (RFC 3605) when it is not port + 1,
 * never a stale author's port; with a=rtcp-mux (RFC 5761) one port and no
 * line added; the answer toward an offerer whose rtcp-mux was refused
 * renamed once srtpd's reply names the leg's new RTCP port
 * (sdes_result_rtcp), in a plain and a multipart body.
 */
#include "sdes/engine/sdes_engine.h"
#include "tests/check.h"

#include <stdlib.h>

#define HDR "v=0\r\no=x 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"

static sdes_relay relays[SDES_MAX_MEDIA];

static void set_relay(const char *addr, uint16_t port, uint16_t rtcp)
{
    memset(relays, 0, sizeof relays);
    for (unsigned i = 0; i < SDES_MAX_MEDIA; i++) {
        snprintf(relays[i].addr, sizeof relays[i].addr, "%s", addr);
        relays[i].port = (uint16_t)(port + 2 * i);
    }
    relays[0].rtcp_port = rtcp;
}

static sdes_rej offer(const char *sdp, sdes_state *st, sdes_result *r)
{
    sdes_config cfg = {.mode = SDES_MODE_PASSTHROUGH};
    sdes_state_init(st);
    return sdes_offer(&cfg, sdp, strlen(sdp), relays, SDES_MAX_MEDIA, st, r);
}

static int count(const char *body, const char *what)
{
    int n = 0;
    for (const char *p = body; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* Offer toward a leg whose RTCP port srtpd took elsewhere: a=rtcp names it
 * (added, or the author's line renamed), once. */
static void test_offer_other_port(void)
{
    static sdes_state st;
    static sdes_result r;
    set_relay("203.0.113.5", 30000, 30011);
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\na=sendrecv\r\n", &st, &r), SDES_REJ_OK);
    CHECK_STR_EQ(r.body, "v=0\r\no=x 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\n"
                         "t=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=sendrecv\r\na=rtcp:30011\r\n");
    sdes_result_free(&r);
    /* A stale author's a=rtcp (with its address) gets srtpd's port. */
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\na=rtcp:1001 IN IP4 192.0.2.10\r\n", &st, &r),
             SDES_REJ_OK);
    CHECK(strstr(r.body, "\r\na=rtcp:30011 IN IP4 203.0.113.5\r\n"));
    CHECK_EQ(count(r.body, "a=rtcp:"), 1);
    CHECK(!strstr(r.body, "1001") && !strstr(r.body, "30001"));
    sdes_result_free(&r);
    /* Two a=rtcp lines (invalid): one leaves, with srtpd's port; the
     * other's port and address do not. */
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\na=rtcp:1001 IN IP4 10.1.1.1\r\na=rtcp:1003\r\n",
                   &st, &r),
             SDES_REJ_OK);
    CHECK_EQ(count(r.body, "a=rtcp:"), 1);
    CHECK(strstr(r.body, "\r\na=rtcp:30011\r\n") && !strstr(r.body, "10.1.1.1"));
    sdes_result_free(&r);
    /* port + 1 (or no rtcp-port): no line added, as before. */
    set_relay("203.0.113.5", 30000, 30001);
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\n", &st, &r), SDES_REJ_OK);
    CHECK_EQ(count(r.body, "a=rtcp"), 0);
    sdes_result_free(&r);
    /* On hold (c=0.0.0.0 stays) the added line carries the relay's address. */
    set_relay("203.0.113.5", 30000, 30011);
    CHECK_EQ(offer("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 1000 RTP/AVP 0\r\n", &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "c=IN IP4 0.0.0.0\r\n"));
    CHECK(strstr(r.body, "\r\na=rtcp:30011 IN IP4 203.0.113.5\r\n"));
    sdes_result_free(&r);
    /* IPv6 relay, media-level c= of the relay: no address needed. */
    set_relay("2001:db8::5", 30000, 30011);
    CHECK_EQ(offer("v=0\r\nm=audio 1000 RTP/AVP 0\r\nc=IN IP4 192.0.2.10\r\n", &st, &r),
             SDES_REJ_OK);
    CHECK_STR_EQ(r.body,
                 "v=0\r\nm=audio 30000 RTP/AVP 0\r\nc=IN IP6 2001:db8::5\r\na=rtcp:30011\r\n");
    sdes_result_free(&r);
    /* Only the stream srtpd's reply is about: m=1 keeps port + 1. */
    set_relay("203.0.113.5", 30000, 30011);
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\nm=video 1002 RTP/AVP 96\r\n", &st, &r),
             SDES_REJ_OK);
    CHECK_EQ(count(r.body, "a=rtcp:"), 1);
    CHECK(strstr(r.body, "m=audio 30000 RTP/AVP 0\r\na=rtcp:30011\r\nm=video 30002"));
    sdes_result_free(&r);
}

/* a=rtcp-mux: a leg that multiplexes has one port, no line is added and an
 * author's a=rtcp names the RTP port; a leg srtpd still holds as a pair (an
 * offer toward b, answer pending) keeps its RTCP port as the fallback. */
static void test_mux(void)
{
    static sdes_state st;
    static sdes_result r;
    set_relay("203.0.113.5", 30000, 30000);
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\na=rtcp-mux\r\n", &st, &r), SDES_REJ_OK);
    CHECK_EQ(count(r.body, "a=rtcp:"), 0);
    sdes_result_free(&r);
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\na=rtcp:1000\r\na=rtcp-mux\r\n", &st, &r),
             SDES_REJ_OK);
    CHECK(strstr(r.body, "\r\na=rtcp:30000\r\na=rtcp-mux\r\n"));
    sdes_result_free(&r);
    set_relay("203.0.113.5", 30000, 30001);
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\na=rtcp:1000\r\na=rtcp-mux\r\n", &st, &r),
             SDES_REJ_OK);
    CHECK(strstr(r.body, "\r\na=rtcp:30001\r\na=rtcp-mux\r\n"));
    sdes_result_free(&r);
    /* A pair far apart (the leg left rtcp-mux earlier): the fallback port
     * must be said, or a peer refusing rtcp-mux sends to port + 1. */
    set_relay("203.0.113.5", 30000, 30011);
    CHECK_EQ(offer(HDR "m=audio 1000 RTP/AVP 0\r\na=rtcp-mux\r\n", &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "a=rtcp-mux\r\na=rtcp:30011\r\n"));
    sdes_result_free(&r);
}

/* The answer toward A, whose rtcp-mux B refused: written while srtpd's leg
 * a still multiplexes (rtcp-port == port), then renamed to the port the
 * answer's reply names. */
static void test_answer_leaves_mux(void)
{
    static sdes_state st;
    static sdes_result r;
    bool changed = true;
    const char *off = HDR "m=audio 1000 RTP/AVP 0\r\na=rtcp-mux\r\n";
    const char *ans = "v=0\r\no=y 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n"
                      "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";
    sdes_config cfg = {.mode = SDES_MODE_PASSTHROUGH};
    set_relay("203.0.113.5", 40000, 40001);
    CHECK_EQ(offer(off, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    set_relay("203.0.113.5", 30000, 30000); /* leg a, one port */
    CHECK_EQ(sdes_answer(&cfg, ans, strlen(ans), relays, SDES_MAX_MEDIA, &st, &r), SDES_REJ_OK);
    /* Not the RTP port: srtpd takes port + 1 first. */
    CHECK_EQ(count(r.body, "a=rtcp"), 0);
    CHECK_EQ(sdes_result_rtcp(&r, relays, SDES_MAX_MEDIA, &changed), SDES_REJ_OK);
    CHECK(!changed);
    relays[0].rtcp_port = 30001; /* the reply: port + 1 was free */
    CHECK_EQ(sdes_result_rtcp(&r, relays, SDES_MAX_MEDIA, &changed), SDES_REJ_OK);
    CHECK(!changed);
    relays[0].rtcp_port = 30011; /* it was not */
    CHECK_EQ(sdes_result_rtcp(&r, relays, SDES_MAX_MEDIA, &changed), SDES_REJ_OK);
    CHECK(changed);
    CHECK_STR_EQ(r.body, "v=0\r\no=y 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\n"
                         "t=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=rtcp:30011\r\n");
    CHECK_EQ(r.body_len, strlen(r.body));
    CHECK_EQ(r.media[0].relay.rtcp_port, 30011);
    CHECK_EQ(sdes_result_rtcp(&r, relays, SDES_MAX_MEDIA, &changed), SDES_REJ_OK);
    CHECK(!changed);
    /* Another port again (a later answer): the line is renamed. */
    relays[0].rtcp_port = 30021;
    CHECK_EQ(sdes_result_rtcp(&r, relays, SDES_MAX_MEDIA, &changed), SDES_REJ_OK);
    CHECK(changed && strstr(r.body, "\r\na=rtcp:30021\r\n") && count(r.body, "a=rtcp") == 1);
    /* A reply about other ports (not this body's) changes nothing. */
    relays[0].port = 31000;
    CHECK_EQ(sdes_result_rtcp(&r, relays, SDES_MAX_MEDIA, &changed), SDES_REJ_OK);
    CHECK(!changed);
    sdes_result_free(&r);
    /* B wrote a=rtcp: never leg a's RTP port (A would send RTCP where srtpd
     * no longer takes it), port + 1 until the reply says otherwise. */
    const char *ans2 = "v=0\r\nc=IN IP4 198.51.100.7\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp:5001\r\n";
    set_relay("203.0.113.5", 40000, 40001);
    CHECK_EQ(offer(off, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    set_relay("203.0.113.5", 30000, 30000);
    CHECK_EQ(sdes_answer(&cfg, ans2, strlen(ans2), relays, SDES_MAX_MEDIA, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "\r\na=rtcp:30001\r\n"));
    relays[0].rtcp_port = 30011;
    CHECK_EQ(sdes_result_rtcp(&r, relays, SDES_MAX_MEDIA, &changed), SDES_REJ_OK);
    CHECK(changed && strstr(r.body, "\r\na=rtcp:30011\r\n") && count(r.body, "a=rtcp") == 1);
    sdes_result_free(&r);
}

/* The same in a multipart body (SIP-I): only the SDP part changes. */
static void test_multipart(void)
{
    static sdes_state st;
    static sdes_result r;
    bool changed = false;
    const char *body = "--b1\r\nContent-Type: application/sdp\r\n\r\n" HDR
                       "m=audio 1000 RTP/AVP 0\r\na=rtcp:1001\r\n"
                       "\r\n--b1\r\nContent-Type: application/isup\r\n\r\nXYZ\r\n--b1--\r\n";
    set_relay("203.0.113.5", 30000, 30001);
    CHECK_EQ(offer(body, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "\r\na=rtcp:30001\r\n\r\n--b1\r\n"));
    relays[0].rtcp_port = 30011;
    CHECK_EQ(sdes_result_rtcp(&r, relays, SDES_MAX_MEDIA, &changed), SDES_REJ_OK);
    CHECK(changed);
    CHECK(strstr(r.body, "\r\na=rtcp:30011\r\n\r\n--b1\r\nContent-Type: application/isup\r\n\r\n"
                         "XYZ\r\n--b1--\r\n"));
    const char *head = "--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n";
    CHECK(!strncmp(r.body, head, strlen(head)));
    sdes_result_free(&r);
}

int main(void)
{
    RUN(test_offer_other_port);
    RUN(test_mux);
    RUN(test_answer_leaves_mux);
    RUN(test_multipart);
    return check_summary("sdes_rtcp_port_test");
}
