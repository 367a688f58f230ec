/*
 * tests/unit/kam_ctlmsg_mux_test.c — what sdes.so tells srtpd about
 * rtcp-mux (modules/sdes/call/ctlmsg.c, docs/sdes-module.md "RTCP ports"):
 * an offer without a=rtcp-mux takes leg b out of it (B may not multiplex,
 * RFC 5761 §5.1.1) so srtpd names leg b's RTCP port before the SDP toward
 * B is written; an offer with it leaves leg b alone; an answer says leg
 * a's final rtcp-mux (1 only when leg a multiplexes now and the answer
 * accepts it), also for a re-offer from leg b's side (swapped legs).
 */
#include "sdes/call/ctlmsg.h"
#include "tests/check.h"

#define OFFER(mux) \
    "v=0\r\no=a 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" \
    "m=audio 49170 RTP/AVP 0\r\n" mux
#define ANSWER(mux) \
    "v=0\r\no=b 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n" \
    "m=audio 5000 RTP/AVP 0\r\n" mux

static ctl_be_doc doc;
static char buf[4096];

/* leg's "rtcp-mux" in the one stream of the message: 0/1, -1 when absent. */
static int64_t leg_mux(const char *leg)
{
    int64_t v = -1;
    const ctl_be *root = ctl_be_decode(&doc, buf, strlen(buf));
    const ctl_be *s0 = root ? ctl_be_first(&doc, ctl_be_get(&doc, root, "streams")) : NULL;
    const ctl_be *l = s0 ? ctl_be_get(&doc, s0, leg) : NULL;
    if (!l || !ctl_be_get_int(&doc, l, "rtcp-mux", &v))
        return -1;
    return v;
}

static int msg(const sdes_result *res, const sdes_state *st, unsigned what, const sdes_relay *a_now)
{
    ctl_benc w;
    memset(buf, 0, sizeof buf);
    ctl_benc_init(&w, buf, sizeof buf - 1);
    ctl_benc_dict(&w);
    int n = a_now ? sdes_call_msg_streams_mux(&w, res, st, what, a_now, 1)
                  : sdes_call_msg_streams(&w, res, st, what);
    ctl_benc_end(&w);
    return ctl_benc_ok(&w) ? n : -1;
}

static const unsigned OFFER_WHAT = SDES_CALL_MSG_A_PEER | SDES_CALL_MSG_A_RECV |
                                   SDES_CALL_MSG_B_TRANSPORT | SDES_CALL_MSG_B_MUX_OFF;
static const unsigned ANSWER_WHAT = SDES_CALL_MSG_A_SEND | SDES_CALL_MSG_B_PEER |
                                    SDES_CALL_MSG_B_RECV | SDES_CALL_MSG_B_SEND |
                                    SDES_CALL_MSG_A_MUX;

static void test_offer(void)
{
    static sdes_state st;
    static sdes_result res;
    sdes_config cfg = {.mode = SDES_MODE_PASSTHROUGH};
    const char *plain = OFFER(""), *mux = OFFER("a=rtcp-mux\r\n");
    sdes_state_init(&st);
    CHECK_EQ(sdes_offer(&cfg, plain, strlen(plain), NULL, 0, &st, &res), SDES_REJ_OK);
    CHECK_EQ(msg(&res, &st, OFFER_WHAT, NULL), 1);
    CHECK_EQ(leg_mux("a"), 0); /* the offerer's own */
    CHECK_EQ(leg_mux("b"), 0); /* B may not multiplex */
    /* Without the bit (the answer and update paths) leg b is not told. */
    CHECK_EQ(msg(&res, &st, OFFER_WHAT & ~SDES_CALL_MSG_B_MUX_OFF, NULL), 1);
    CHECK_EQ(leg_mux("b"), -1);
    /* Swapped (a re-offer from leg b's side): srtpd's leg a is told. */
    CHECK_EQ(msg(&res, &st, OFFER_WHAT | SDES_CALL_MSG_SWAP, NULL), 1);
    CHECK_EQ(leg_mux("a"), 0);
    CHECK_EQ(leg_mux("b"), 0);
    sdes_result_free(&res);
    sdes_state_init(&st);
    CHECK_EQ(sdes_offer(&cfg, mux, strlen(mux), NULL, 0, &st, &res), SDES_REJ_OK);
    CHECK_EQ(msg(&res, &st, OFFER_WHAT, NULL), 1);
    CHECK_EQ(leg_mux("a"), 1);
    CHECK_EQ(leg_mux("b"), -1); /* the answer decides */
    sdes_result_free(&res);
}

/* Leg a's final rtcp-mux in the answer, for each answer and leg a now. */
static void test_answer(void)
{
    static sdes_state st;
    static sdes_result res;
    sdes_config cfg = {.mode = SDES_MODE_PASSTHROUGH};
    const char *off = OFFER("a=rtcp-mux\r\n");
    const char *answers[2] = {ANSWER(""), ANSWER("a=rtcp-mux\r\n")};
    const sdes_relay one = {"203.0.113.5", 30000, 30000}, pair = {"203.0.113.5", 30000, 30001};
    for (int am = 0; am < 2; am++) {
        for (int now = 0; now < 2; now++) {
            sdes_state_init(&st);
            CHECK_EQ(sdes_offer(&cfg, off, strlen(off), NULL, 0, &st, &res), SDES_REJ_OK);
            sdes_result_free(&res);
            const char *a = answers[am];
            CHECK_EQ(sdes_answer(&cfg, a, strlen(a), NULL, 0, &st, &res), SDES_REJ_OK);
            CHECK_EQ(msg(&res, &st, ANSWER_WHAT, now ? &one : &pair), 1);
            CHECK_EQ(leg_mux("a"), am && now ? 1 : 0);
            CHECK_EQ(leg_mux("b"), am);
            /* Swapped: the engine's leg a is srtpd's "b". */
            CHECK_EQ(msg(&res, &st, ANSWER_WHAT | SDES_CALL_MSG_SWAP, now ? &one : &pair), 1);
            CHECK_EQ(leg_mux("b"), am && now ? 1 : 0);
            CHECK_EQ(leg_mux("a"), am);
            sdes_result_free(&res);
        }
    }
}

int main(void)
{
    RUN(test_offer);
    RUN(test_answer);
    return check_summary("kam_ctlmsg_mux_test");
}
