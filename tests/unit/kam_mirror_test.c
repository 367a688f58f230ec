/*
 * tests/unit/kam_mirror_test.c — unit tests of re-offers from the answerer's
 * side (modules/sdes/call/mirror.c): the mirrored state and modes, and whole
 * exchanges through the SDES engine as sdes.so runs them: an "encrypt"
 * call (A plain, B SRTP), then B re-offers (hold, same key; then a new key
 * under the next MKI); the keys srtpd holds for each of its legs must stay
 * where they were, and the control request must name srtpd's legs.
 */
#include <openssl/crypto.h>

#include "sdes/call/ctlmsg.h"
#include "sdes/call/mirror.h"
#include "tests/check.h"

#define HEAD_A "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
#define HEAD_B "v=0\r\no=- 2 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
static const char a_offer[] = HEAD_A "m=audio 4000 RTP/AVP 0\r\n";
static const char a_answer[] = HEAD_A "m=audio 4000 RTP/AVP 0\r\n";
/* B's key: RFC 4568 §9.1's example, MKI 1 (4 bytes); its next key MKI 2. */
static const char b_answer[] =
    HEAD_B "m=audio 5000 RTP/SAVP 0\r\n"
           "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
           "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n";
static const char b_hold[] = HEAD_B "m=audio 5000 RTP/SAVP 0\r\na=sendonly\r\n"
                                    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                                    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n";
static const char b_rekey[] = HEAD_B "m=audio 5000 RTP/SAVP 0\r\n"
                                     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                                     "inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk|2^20|2:4\r\n";

static sdes_state canon, prev, st;
static sdes_result res;
static const sdes_relay relays[1] = {{"203.0.113.5", 30000, 0}};

/* The first exchange: A's plain offer, B's SRTP answer (mode encrypt). */
static void first_exchange(void)
{
    sdes_config cfg = {.mode = SDES_MODE_ENCRYPT};
    sdes_state_init(&canon);
    CHECK_EQ(sdes_offer(&cfg, a_offer, strlen(a_offer), relays, 1, &canon, &res), SDES_REJ_OK);
    /* B answers the tag we offered (1, AES_CM_128_HMAC_SHA1_80). */
    CHECK(strstr(res.body, "a=crypto:1 AES_CM_128_HMAC_SHA1_80") != NULL);
    sdes_result_free(&res);
    CHECK_EQ(sdes_answer(&cfg, b_answer, strlen(b_answer), relays, 1, &canon, &res), SDES_REJ_OK);
    sdes_result_free(&res);
    CHECK_EQ(canon.phase, 2);
    CHECK(canon.media[0].b_rx.srtp && canon.media[0].b_tx.srtp);
    CHECK(!canon.media[0].a_rx.srtp && !canon.media[0].a_tx.srtp);
}

static void test_mirror_state_and_modes(void)
{
    first_exchange();
    CHECK_EQ(sdes_call_mirror_mode(&canon), SDES_MODE_DECRYPT);
    sdes_call_mirror_state(&canon, &prev, SDES_MODE_DECRYPT);
    CHECK_EQ(prev.mode, SDES_MODE_DECRYPT);
    CHECK_EQ(prev.n_media, 1);
    CHECK_EQ(prev.media[0].a_proto, canon.media[0].b_proto);
    CHECK_EQ(prev.media[0].b_proto, canon.media[0].a_proto);
    CHECK(sdes_call_keyset_same(&prev.media[0].a_rx, &canon.media[0].b_rx));
    CHECK(sdes_call_keyset_same(&prev.media[0].a_tx, &canon.media[0].b_tx));
    CHECK(!prev.media[0].b_rx.srtp && !prev.media[0].b_tx.srtp);
    /* Twice is the identity on the key sets. */
    sdes_call_mirror_state(&prev, &st, SDES_MODE_ENCRYPT);
    CHECK(sdes_call_keyset_same(&st.media[0].b_rx, &canon.media[0].b_rx));
    CHECK(sdes_call_keyset_same(&st.media[0].b_tx, &canon.media[0].b_tx));
    /* Modes: an encrypt call stays encrypt after a reverse exchange. */
    CHECK_EQ(sdes_call_unmirror_mode(SDES_MODE_DECRYPT, &canon), SDES_MODE_ENCRYPT);
    CHECK_EQ(sdes_call_unmirror_mode(SDES_MODE_REKEY, &canon), SDES_MODE_REKEY);
    CHECK_EQ(sdes_call_unmirror_mode(SDES_MODE_ENCRYPT, NULL), SDES_MODE_DECRYPT);
    canon.mode = SDES_MODE_OSRTP;
    CHECK_EQ(sdes_call_mirror_mode(&canon), SDES_MODE_DECRYPT);
    CHECK_EQ(sdes_call_unmirror_mode(SDES_MODE_DECRYPT, &canon), SDES_MODE_OSRTP);
    canon.mode = SDES_MODE_REKEY;
    CHECK_EQ(sdes_call_mirror_mode(&canon), SDES_MODE_REKEY);
    canon.mode = SDES_MODE_ENCRYPT;
    /* Direction: only after a completed exchange, only with both tags. */
    CHECK(sdes_call_mirror_is_reverse(&canon, "tagA", "tagB"));
    CHECK(!sdes_call_mirror_is_reverse(&canon, "tagA", "tagA"));
    CHECK(!sdes_call_mirror_is_reverse(&canon, "tagA", ""));
    CHECK(!sdes_call_mirror_is_reverse(&canon, "", "tagB"));
    canon.phase = 1;
    CHECK(!sdes_call_mirror_is_reverse(&canon, "tagA", "tagB"));
    canon.phase = 2;
    CHECK_EQ(sdes_call_mirror_leg('a', true), 'b');
    CHECK_EQ(sdes_call_mirror_leg('b', true), 'a');
    CHECK_EQ(sdes_call_mirror_leg('a', false), 'a');
}

/* B re-offers as sdes.so runs it: engine on the mirrored state; returns
 * the canonical state after A's plain answer in *out. */
static void reverse_exchange(const char *b_offer, sdes_state *out, bool *a_rx_same)
{
    sdes_config cfg = {.mode = sdes_call_mirror_mode(&canon)};
    sdes_call_mirror_state(&canon, &prev, cfg.mode);
    st = prev;
    CHECK_EQ(sdes_offer(&cfg, b_offer, strlen(b_offer), relays, 1, &st, &res), SDES_REJ_OK);
    *a_rx_same = sdes_call_keyset_same(&res.media[0].a_rx, &prev.media[0].a_rx);
    /* Toward A (plain): RTP/AVP, no key. */
    CHECK(strstr(res.body, "RTP/AVP") != NULL);
    CHECK(strstr(res.body, "a=crypto") == NULL);
    /* The offer request names srtpd's legs: B's keys go to leg b. */
    {
        static ctl_be_doc doc;
        char buf[4096];
        ctl_benc w;
        ctl_benc_init(&w, buf, sizeof(buf));
        ctl_benc_dict(&w);
        CHECK_EQ(sdes_call_msg_streams(&w, &res, &st,
                                       SDES_CALL_MSG_A_PEER | SDES_CALL_MSG_A_RECV |
                                           SDES_CALL_MSG_B_TRANSPORT | SDES_CALL_MSG_SWAP),
                 1);
        ctl_benc_end(&w);
        const ctl_be *root = ctl_be_decode(&doc, buf, w.len);
        CHECK(root != NULL);
        const ctl_be *s0 = ctl_be_first(&doc, ctl_be_get(&doc, root, "streams"));
        const ctl_be *lb = ctl_be_get(&doc, s0, "b"), *la = ctl_be_get(&doc, s0, "a");
        CHECK(ctl_be_str_eq(ctl_be_get(&doc, lb, "address"), "198.51.100.7"));
        CHECK(ctl_be_str_eq(ctl_be_get(&doc, lb, "transport"), "SRTP"));
        CHECK(ctl_be_get(&doc, lb, "recv") != NULL);
        CHECK(ctl_be_str_eq(ctl_be_get(&doc, la, "transport"), "RTP"));
        CHECK(ctl_be_get(&doc, la, "recv") == NULL);
        OPENSSL_cleanse(buf, sizeof(buf));
    }
    sdes_result_free(&res);
    CHECK_EQ(sdes_answer(&cfg, a_answer, strlen(a_answer), relays, 1, &st, &res), SDES_REJ_OK);
    /* The answer toward B carries the key srtpd already sends B with. */
    CHECK(sdes_call_keyset_same(&res.media[0].a_tx, &prev.media[0].a_tx));
    CHECK(strstr(res.body, "RTP/SAVP") != NULL);
    CHECK(strstr(res.body, "a=crypto:1 AES_CM_128_HMAC_SHA1_80") != NULL);
    sdes_result_free(&res);
    sdes_call_mirror_state(&st, out, sdes_call_unmirror_mode((sdes_mode)st.mode, &canon));
}

static void test_reverse_hold_keeps_keys(void)
{
    static sdes_state after;
    bool same = false;
    first_exchange();
    reverse_exchange(b_hold, &after, &same);
    CHECK(same); /* B's key unchanged: not resent, srtpd's context (ROC) stays */
    CHECK_EQ(after.mode, SDES_MODE_ENCRYPT);
    CHECK_EQ(after.phase, 2);
    CHECK(sdes_call_keyset_same(&after.media[0].b_rx, &canon.media[0].b_rx));
    CHECK(sdes_call_keyset_same(&after.media[0].b_tx, &canon.media[0].b_tx));
    CHECK(!after.media[0].a_rx.srtp && !after.media[0].a_tx.srtp);
    /* A forward re-offer after it still keeps B's keys (same tag/key). */
    {
        sdes_config cfg = {.mode = SDES_MODE_ENCRYPT};
        st = after;
        CHECK_EQ(sdes_offer(&cfg, a_offer, strlen(a_offer), relays, 1, &st, &res), SDES_REJ_OK);
        CHECK(sdes_call_keyset_same(&res.media[0].b_tx, &canon.media[0].b_tx));
        sdes_result_free(&res);
    }
    sdes_state_wipe(&after);
}

static void test_reverse_rekey(void)
{
    static sdes_state after;
    bool same = true;
    first_exchange();
    reverse_exchange(b_rekey, &after, &same);
    CHECK(!same);
    /* srtpd moves leg b's receive context in place: can_rekey holds. */
    CHECK(sdes_call_keyset_can_rekey(&after.media[0].b_rx, &canon.media[0].b_rx, SG_ROC_KEEP));
    CHECK_EQ(after.media[0].b_rx.keys[0].mki[3], 2);
    CHECK(sdes_call_keyset_same(&after.media[0].b_tx, &canon.media[0].b_tx));
    sdes_state_wipe(&after);
}

int main(void)
{
    RUN(test_mirror_state_and_modes);
    RUN(test_reverse_hold_keeps_keys);
    RUN(test_reverse_rekey);
    sdes_state_wipe(&canon);
    sdes_state_wipe(&prev);
    sdes_state_wipe(&st);
    return check_summary("kam_mirror");
}
