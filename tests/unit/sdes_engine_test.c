/*
 * tests/unit/sdes_engine_test.c — the SDES offer/answer engine (modules/sdes):
 * every mode end to end through offer and answer (RFC 4568 §7, RFC 3264),
 * re-offers (keys kept, rekey with a new MKI, hold, added/removed m= lines),
 * policy decisions, answer errors, SDP errors, fail-closed results, state
 * packing, and the policy text form.
 */
#include "sdes/engine/engine_int.h"
#include "sdes/engine/multipart.h"
#include "sdes/engine/sdes_engine.h"
#include "tests/check.h"

#include <stdlib.h>

#define KEY30 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

static const char PBX_OFFER[] =
    "v=0\r\no=pbx 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 10000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000  \r\n"
    "a=rtcp:10001\r\nm=video 10002 RTP/AVPF 96\r\na=rtpmap:96 H264/90000\r\n";

static const char SRTP_OFFER[] =
    "v=0\r\no=ua 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
    "m=audio 5000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^31|1:1\r\n";

static sdes_relay relays[SDES_MAX_MEDIA];

static void setup_relays(const char *addr, unsigned port)
{
    for (unsigned i = 0; i < SDES_MAX_MEDIA; i++) {
        memset(&relays[i], 0, sizeof relays[i]);
        snprintf(relays[i].addr, sizeof relays[i].addr, "%s", addr);
        relays[i].port = (uint16_t)(port + 2 * i);
    }
}

static sdes_rej offer(sdes_mode mode, const sdes_policy *pol, const char *sdp, sdes_state *st,
                      sdes_result *r)
{
    sdes_config cfg = {.mode = mode, .policy = pol};
    return sdes_offer(&cfg, sdp, strlen(sdp), relays, SDES_MAX_MEDIA, st, r);
}

static sdes_rej answer(sdes_mode mode, const sdes_policy *pol, const char *sdp, sdes_state *st,
                       sdes_result *r)
{
    sdes_config cfg = {.mode = mode, .policy = pol};
    return sdes_answer(&cfg, sdp, strlen(sdp), relays, SDES_MAX_MEDIA, st, r);
}

/* The n-th a=crypto line of a body, parsed. */
static sdes_ca_status nth_crypto(const char *body, int n, sdes_crypto_attr *a)
{
    const char *p = body;
    for (;;) {
        p = strstr(p, "a=crypto:");
        if (!p)
            return SDES_CA_EMPTY;
        if (n-- == 0)
            break;
        p++;
    }
    const char *e = strstr(p, "\r\n");
    return sdes_crypto_attr_parse(p, (size_t)(e - p), 0, a);
}

static int count(const char *body, const char *needle)
{
    int n = 0;
    for (const char *p = body; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* DECRYPT re-offers: our key toward A is kept, and a rekey replaces it at
 * the answer with the old one second (hitless); hold does not rekey. */
static void test_decrypt_reoffer_rekey(void)
{
    static sdes_state st;
    static sdes_result r;
    sdes_policy p;
    sdes_policy_default(&p);
    CHECK_EQ(sdes_policy_parse("gen-mki=1", &p, NULL, 0), 0);
    const char *ans = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 10000 RTP/AVP 0\r\n";
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_DECRYPT, &p, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_DECRYPT, &p, ans, &st, &r), SDES_REJ_OK);
    sdes_keyset first = r.media[0].a_tx;
    CHECK_EQ(first.n_keys, 1);
    sdes_result_free(&r);
    CHECK_EQ(offer(SDES_MODE_DECRYPT, &p, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_DECRYPT, &p, ans, &st, &r), SDES_REJ_OK);
    CHECK_MEM_EQ(r.media[0].a_tx.keys[0].key_salt, first.keys[0].key_salt, 30);
    CHECK(!r.media[0].rekeyed);
    sdes_result_free(&r);
    sdes_config cfg = {.mode = SDES_MODE_DECRYPT, .policy = &p, .rekey = true};
    CHECK_EQ(sdes_offer(&cfg, SRTP_OFFER, strlen(SRTP_OFFER), relays, 1, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    /* the packed state carries the pending rekey */
    static uint8_t buf[4096];
    static sdes_state back;
    size_t n = sdes_state_pack(&st, buf, sizeof buf);
    CHECK(n && sdes_state_unpack(buf, n, &back));
    CHECK_EQ(answer(SDES_MODE_DECRYPT, &p, ans, &back, &r), SDES_REJ_OK);
    CHECK(r.media[0].rekeyed);
    CHECK_EQ(r.media[0].a_tx.n_keys, 2);
    CHECK(memcmp(r.media[0].a_tx.keys[0].key_salt, first.keys[0].key_salt, 30) != 0);
    CHECK_MEM_EQ(r.media[0].a_tx.keys[1].key_salt, first.keys[0].key_salt, 30);
    CHECK(r.media[0].a_tx.keys[0].mki[0] != first.keys[0].mki[0]);
    sdes_crypto_attr a;
    CHECK_EQ(nth_crypto(r.body, 0, &a), SDES_CA_OK);
    CHECK_EQ(a.n_keys, 2);
    CHECK_EQ(a.tag, 2);
    sdes_crypto_attr_wipe(&a);
    sdes_result_free(&r);
}

/* ENCRYPT: plain PBX offer -> RTP/SAVP with fresh keys; SRTP answer ->
 * plain answer; the relay gets both directions of leg B. */
static void test_encrypt_flow(void)
{
    static sdes_state st;
    static sdes_result r;
    sdes_state_init(&st);
    setup_relays("203.0.113.5", 30000);
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, NULL, PBX_OFFER, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "m=audio 30000 RTP/SAVP 0 8 101\r\n"));
    CHECK(strstr(r.body, "m=video 30002 RTP/SAVPF 96\r\n"));
    CHECK(strstr(r.body, "c=IN IP4 203.0.113.5\r\n"));
    CHECK(strstr(r.body, "a=rtcp:30001\r\n"));
    CHECK(strstr(r.body, "a=rtpmap:101 telephone-event/8000  \r\n")); /* byte for byte */
    CHECK_EQ(count(r.body, "a=crypto:"), 4);
    sdes_crypto_attr a;
    CHECK_EQ(nth_crypto(r.body, 0, &a), SDES_CA_OK);
    CHECK_EQ(a.tag, 1);
    CHECK_EQ(a.suite->id, SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    CHECK_MEM_EQ(a.keys[0].key_salt, st.media[0].b_offer[0].keys[0].key_salt, 30);
    CHECK_EQ(r.media[0].state, SDES_MEDIA_SRTP);
    CHECK_EQ(r.media[0].peer_port, 10000);
    CHECK_STR_EQ(r.media[0].peer_addr, "192.0.2.10");
    /* audio and video keys differ (fresh per line) */
    CHECK(memcmp(st.media[0].b_offer[0].keys[0].key_salt, st.media[1].b_offer[0].keys[0].key_salt,
                 30) != 0);
    sdes_result_free(&r);
    const char *ans =
        "v=0\r\no=c 1 1 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n"
        "m=audio 40000 RTP/SAVP 0\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n"
        "m=video 0 RTP/SAVPF 96\r\n";
    setup_relays("192.0.2.1", 20000);
    CHECK_EQ(answer(SDES_MODE_ENCRYPT, NULL, ans, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "m=audio 20000 RTP/AVP 0\r\n"));
    CHECK(strstr(r.body, "m=video 0 RTP/AVPF 96\r\n"));
    CHECK(strstr(r.body, "c=IN IP4 192.0.2.1\r\n"));
    CHECK_EQ(count(r.body, "a=crypto"), 0);
    CHECK(r.media[0].b_rx.srtp);
    CHECK_EQ(r.media[0].b_rx.suite, SG_SUITE_AES_CM_128_HMAC_SHA1_32);
    CHECK_EQ(r.media[0].b_tx.tag, 2);
    CHECK_MEM_EQ(r.media[0].b_tx.keys[0].key_salt, st.media[0].b_offer[1].keys[0].key_salt, 30);
    CHECK(!r.media[0].a_rx.srtp && !r.media[0].a_tx.srtp);
    CHECK_EQ(r.media[1].state, SDES_MEDIA_DISABLED);
    sdes_result_free(&r);
    sdes_crypto_attr_wipe(&a);
}

/* DECRYPT: the policy's preferred suite wins; the answer to A carries the
 * chosen tag and suite with a fresh key of ours. */
static void test_decrypt_flow(void)
{
    static sdes_state st;
    static sdes_result r;
    sdes_state_init(&st);
    setup_relays("192.0.2.1", 20000);
    CHECK_EQ(offer(SDES_MODE_DECRYPT, NULL, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "m=audio 20000 RTP/AVP 0\r\n"));
    CHECK_EQ(count(r.body, "a=crypto"), 0);
    CHECK_EQ(r.media[0].a_rx.tag, 2); /* _80 preferred over _32 by default */
    CHECK_EQ(r.media[0].a_rx.keys[0].mki_len, 1);
    CHECK_EQ(r.media[0].a_rx.keys[0].lifetime, UINT64_C(1) << 31);
    sdes_result_free(&r);
    const char *ans = "v=0\nc=IN IP4 192.0.2.10\nm=audio 10000 RTP/AVP 0\n";
    setup_relays("203.0.113.5", 30000);
    CHECK_EQ(answer(SDES_MODE_DECRYPT, NULL, ans, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "m=audio 30000 RTP/SAVP 0\r\n"));
    CHECK_EQ(count(r.body, "a=crypto:"), 1);
    sdes_crypto_attr a;
    CHECK_EQ(nth_crypto(r.body, 0, &a), SDES_CA_OK);
    CHECK_EQ(a.tag, 2);
    CHECK_EQ(a.suite->id, SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    CHECK_MEM_EQ(a.keys[0].key_salt, r.media[0].a_tx.keys[0].key_salt, 30);
    CHECK(memcmp(r.media[0].a_tx.keys[0].key_salt, r.media[0].a_rx.keys[0].key_salt, 30) != 0);
    sdes_result_free(&r);
    /* Preference follows the policy: with _32 first, tag 1 is chosen. */
    sdes_policy p;
    sdes_policy_default(&p);
    CHECK_EQ(
        sdes_policy_parse("suites=AES_CM_128_HMAC_SHA1_32:AES_CM_128_HMAC_SHA1_80", &p, NULL, 0),
        0);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_DECRYPT, &p, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    CHECK_EQ(r.media[0].a_rx.tag, 1);
    sdes_result_free(&r);
    sdes_crypto_attr_wipe(&a);
}

/* REKEY: each leg its own keys; no key of A reaches B. */
static void test_rekey_flow(void)
{
    static sdes_state st;
    static sdes_result r;
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_REKEY, NULL, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "RTP/SAVP"));
    CHECK(!strstr(r.body, KEY30));
    CHECK_EQ(count(r.body, "a=crypto:"), 2);
    sdes_crypto_attr a;
    CHECK_EQ(nth_crypto(r.body, 0, &a), SDES_CA_OK);
    char ans[512];
    char b64[80];
    sdes_base64_encode(a.keys[0].key_salt, 30, b64);
    snprintf(ans, sizeof ans,
             "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
             "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n",
             KEY30);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_REKEY, NULL, ans, &st, &r), SDES_REJ_OK);
    CHECK(!strstr(r.body, KEY30));
    CHECK(!strstr(r.body, b64));
    const sdes_media_result *m = &r.media[0];
    CHECK(m->a_rx.srtp && m->a_tx.srtp && m->b_rx.srtp && m->b_tx.srtp);
    CHECK(memcmp(m->a_tx.keys[0].key_salt, m->b_tx.keys[0].key_salt, 30) != 0);
    CHECK_EQ(m->a_tx.tag, 2);
    sdes_result_free(&r);
    sdes_crypto_attr_wipe(&a);
}

/* nomki=keep: a rekey gives no new key toward a side we key without an
 * MKI (B answered without one), and still a new one toward the side we
 * key with an MKI (A offered one); nomki=change rekeys both. */
static void rekey_nomki(const char *pol, bool keep)
{
    static sdes_state st;
    static sdes_result r;
    sdes_policy p;
    sdes_crypto_attr a;
    char ans[512];
    sdes_policy_default(&p);
    CHECK_EQ(sdes_policy_parse(pol, &p, NULL, 0), 0);
    snprintf(ans, sizeof ans,
             "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
             "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n",
             KEY30);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_REKEY, &p, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_REKEY, &p, ans, &st, &r), SDES_REJ_OK);
    sdes_keyset to_b = r.media[0].b_tx, to_a = r.media[0].a_tx;
    CHECK_EQ(to_b.keys[0].mki_len, 0); /* B used none */
    CHECK_EQ(to_a.keys[0].mki_len, 1); /* A's accepted line had one */
    sdes_result_free(&r);
    sdes_config cfg = {.mode = SDES_MODE_REKEY, .policy = &p, .rekey = true};
    CHECK_EQ(sdes_offer(&cfg, SRTP_OFFER, strlen(SRTP_OFFER), relays, 1, &st, &r), SDES_REJ_OK);
    CHECK_EQ(nth_crypto(r.body, 0, &a), SDES_CA_OK);
    CHECK_EQ(a.keys[0].mki_len, 0);
    CHECK_EQ(memcmp(a.keys[0].key_salt, to_b.keys[0].key_salt, 30) == 0, keep);
    CHECK_EQ(r.media[0].rekeyed, !keep);
    sdes_crypto_attr_wipe(&a);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_REKEY, &p, ans, &st, &r), SDES_REJ_OK);
    CHECK(r.media[0].rekeyed); /* toward A: a new key with the next MKI */
    CHECK(memcmp(r.media[0].a_tx.keys[0].key_salt, to_a.keys[0].key_salt, 30) != 0);
    CHECK(r.media[0].a_tx.keys[0].mki[0] != to_a.keys[0].mki[0]);
    sdes_result_free(&r);
    sdes_keyset_wipe(&to_a);
    sdes_keyset_wipe(&to_b);
}

static void test_rekey_nomki(void)
{
    rekey_nomki("gen-mki=1,nomki=keep", true);
    rekey_nomki("gen-mki=1", false);
}

/* PASSTHROUGH and OSRTP (RFC 8643). */
static void test_passthrough_osrtp(void)
{
    static sdes_state st;
    static sdes_result r;
    sdes_policy p;
    sdes_policy_default(&p);
    CHECK_EQ(sdes_policy_parse("min-tag=80", &p, NULL, 0), 0);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_PASSTHROUGH, &p, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    CHECK_EQ(count(r.body, "a=crypto:"), 1);
    CHECK(strstr(r.body, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^31|1:1\r\n"));
    CHECK(strstr(r.notes, "tag 1 AES_CM_128_HMAC_SHA1_32 stripped: auth tag shorter"));
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_PASSTHROUGH, &p,
                    "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
                    "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n",
                    &st, &r),
             SDES_REJ_ANSWER_UNOFFERED_TAG);
    CHECK(r.body == NULL);
    CHECK_EQ(answer(SDES_MODE_PASSTHROUGH, &p,
                    "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
                    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n",
                    &st, &r),
             SDES_REJ_OK);
    CHECK_EQ(r.media[0].state, SDES_MEDIA_PASSTHROUGH);
    sdes_result_free(&r);
    /* OSRTP: RTP/AVP + a=crypto toward B; B may decline. */
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_OSRTP, NULL, PBX_OFFER, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, " RTP/AVP 0 8 101\r\n"));
    CHECK_EQ(count(r.body, "a=crypto:"), 4);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_OSRTP, NULL,
                    "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/AVP 0\r\n"
                    "m=video 7002 RTP/AVPF 96\r\n",
                    &st, &r),
             SDES_REJ_OK);
    CHECK(!r.media[0].b_rx.srtp);
    CHECK(strstr(r.notes, "declined OSRTP"));
    sdes_result_free(&r);
}

/* Re-offers: keep keys of unchanged streams; rekey gives new keys with the
 * next MKI; hold never rekeys; added m= lines get keys; removed ones are
 * dropped. */
static void test_reoffer(void)
{
    static sdes_state st;
    static sdes_result r;
    sdes_policy p;
    sdes_policy_default(&p);
    /* MKIs toward the PBX from the first offer on (it has sent no a=crypto). */
    CHECK_EQ(
        sdes_policy_parse("gen-mki=2,gen-mki-use=always,gen-lifetime=2^31,roc=reset", &p, NULL, 0),
        0);
    sdes_state_init(&st);
    const char *one = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 10000 RTP/AVP 0\r\n";
    const char *ans = "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
                      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n";
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, &p, one, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "|2^31|1:2\r\n"));
    CHECK(strstr(r.body, "|2^31|2:2\r\n"));
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_ENCRYPT, &p, ans, &st, &r), SDES_REJ_OK);
    sdes_keyset first = r.media[0].b_tx;
    sdes_result_free(&r);
    /* unchanged re-offer: same tag, suite, key, MKI */
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, &p, one, &st, &r), SDES_REJ_OK);
    CHECK_EQ(count(r.body, "a=crypto:"), 1);
    CHECK_MEM_EQ(st.media[0].b_offer[0].keys[0].key_salt, first.keys[0].key_salt, 30);
    CHECK(!r.media[0].rekeyed);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_ENCRYPT, &p, ans, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    /* rekey on hold: keys kept */
    sdes_config cfg = {.mode = SDES_MODE_ENCRYPT, .policy = &p, .rekey = true};
    const char *hold = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 10000 RTP/AVP 0\r\na=sendonly\r\n";
    CHECK_EQ(sdes_offer(&cfg, hold, strlen(hold), relays, 1, &st, &r), SDES_REJ_OK);
    CHECK(r.media[0].hold);
    CHECK(!r.media[0].rekeyed);
    CHECK_MEM_EQ(st.media[0].b_offer[0].keys[0].key_salt, first.keys[0].key_salt, 30);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_ENCRYPT, &p, ans, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    /* old-style hold c=0.0.0.0 keeps the address too */
    const char *hold0 = "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 10000 RTP/AVP 0\r\n";
    CHECK_EQ(sdes_offer(&cfg, hold0, strlen(hold0), relays, 1, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "c=IN IP4 0.0.0.0\r\n"));
    CHECK(!r.media[0].rekeyed);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_ENCRYPT, &p, ans, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    /* rekey, not on hold, plus an added video line */
    const char *two = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 10000 RTP/AVP 0\r\n"
                      "m=video 10002 RTP/AVP 96\r\n";
    CHECK_EQ(sdes_offer(&cfg, two, strlen(two), relays, 2, &st, &r), SDES_REJ_OK);
    CHECK(r.media[0].rekeyed);
    CHECK(memcmp(st.media[0].b_offer[0].keys[0].key_salt, first.keys[0].key_salt, 30) != 0);
    CHECK(memcmp(st.media[0].b_offer[0].keys[0].mki, first.keys[0].mki, 2) != 0);
    CHECK_EQ(st.media[0].b_offer[0].tag, first.tag);
    /* hitless: the previous key stays in the line after the new one */
    CHECK_EQ(st.media[0].b_offer[0].n_keys, 2);
    CHECK_MEM_EQ(st.media[0].b_offer[0].keys[1].key_salt, first.keys[0].key_salt, 30);
    CHECK_MEM_EQ(st.media[0].b_offer[0].keys[1].mki, first.keys[0].mki, 2);
    CHECK_EQ(st.media[1].n_b_offer, 2);
    CHECK_EQ(r.media[0].roc, SG_ROC_RESET);
    sdes_result_free(&r);
    const char *ans2 = "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
                       "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
                       "m=video 7002 RTP/SAVP 96\r\n"
                       "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n";
    CHECK_EQ(answer(SDES_MODE_ENCRYPT, &p, ans2, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    /* video removed (port 0): untouched, state dropped */
    const char *rm = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 10000 RTP/AVP 0\r\n"
                     "m=video 0 RTP/AVP 96\r\n";
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, &p, rm, &st, &r), SDES_REJ_OK);
    CHECK(strstr(r.body, "m=video 0 RTP/AVP 96\r\n"));
    CHECK_EQ(r.media[1].state, SDES_MEDIA_DISABLED);
    CHECK_EQ(st.media[1].in_use, 0);
    sdes_result_free(&r);
}

static void expect_answer_rej(const char *ans, sdes_rej want)
{
    static sdes_state st;
    static sdes_result r;
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, NULL,
                   "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 1000 RTP/AVP 0\r\n", &st, &r),
             SDES_REJ_OK);
    sdes_result_free(&r);
    static sdes_state before;
    before = st;
    sdes_rej got = answer(SDES_MODE_ENCRYPT, NULL, ans, &st, &r);
    CHECK_MSG(got == want, "got %s want %s: %s", sdes_rej_name(got), sdes_rej_name(want), r.reason);
    CHECK(r.body == NULL);
    CHECK(strncmp(r.reason, sdes_rej_name(want), strlen(sdes_rej_name(want))) == 0);
    CHECK(!strstr(r.reason, KEY30));
    CHECK(memcmp(&before, &st, sizeof st) == 0); /* state unchanged on rejection */
    sdes_result_free(&r);
}

/* RFC 4568 §7.1.3: the answer accepts exactly one offered tag and suite. */
static void test_answer_errors(void)
{
#define A_HDR "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
    expect_answer_rej(A_HDR, SDES_REJ_ANSWER_NO_CRYPTO);
    expect_answer_rej(A_HDR "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
                            "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n",
                      SDES_REJ_ANSWER_MULTI_CRYPTO);
    expect_answer_rej(A_HDR "a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n",
                      SDES_REJ_ANSWER_UNOFFERED_TAG);
    expect_answer_rej(A_HDR "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n",
                      SDES_REJ_ANSWER_SUITE);
    expect_answer_rej(A_HDR "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|0\r\n",
                      SDES_REJ_ANSWER_BAD_CRYPTO);
    expect_answer_rej(A_HDR "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30
                            " UNENCRYPTED_SRTP\r\n",
                      SDES_REJ_ANSWER_POLICY);
    expect_answer_rej(A_HDR "m=video 7002 RTP/SAVP 0\r\n", SDES_REJ_ANSWER_MEDIA);
    expect_answer_rej("v=0\r\nc=IN IP4 198.51.100.9\r\nm=video 7000 RTP/SAVP 0\r\n"
                      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n",
                      SDES_REJ_ANSWER_MEDIA);
    expect_answer_rej("hello", SDES_REJ_NOT_SDP);
    /* an answer with no offer */
    static sdes_state st;
    static sdes_result r;
    sdes_state_init(&st);
    CHECK_EQ(answer(SDES_MODE_ENCRYPT, NULL, A_HDR, &st, &r), SDES_REJ_NO_STATE);
    /* decrypt: the plain leg must not answer with a=crypto */
    CHECK_EQ(offer(SDES_MODE_DECRYPT, NULL, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    CHECK_EQ(answer(SDES_MODE_DECRYPT, NULL,
                    A_HDR "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n", &st, &r),
             SDES_REJ_ANSWER_UNEXPECTED);
    sdes_result_free(&r);
}

static void expect_offer_rej(sdes_mode mode, const char *policy, const char *sdp, sdes_rej want)
{
    static sdes_state st;
    static sdes_result r;
    sdes_policy p;
    sdes_policy_default(&p);
    char err[128] = "";
    CHECK_MSG(sdes_policy_parse(policy, &p, err, sizeof err) == 0, "%s", err);
    sdes_state_init(&st);
    sdes_rej got = offer(mode, &p, sdp, &st, &r);
    CHECK_MSG(got == want, "got %s want %s: %s", sdes_rej_name(got), sdes_rej_name(want), r.reason);
    CHECK(r.body == NULL);
    CHECK_EQ(st.phase, 0);
    CHECK(!strstr(r.reason, KEY30) && !strstr(r.notes, KEY30));
    sdes_result_free(&r);
}

/* Policy: fail closed with a distinct code. */
static void test_policy_rejections(void)
{
    const char *plain = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 1000 RTP/AVP 0\r\n";
    expect_offer_rej(SDES_MODE_DECRYPT, "srtp=require", plain, SDES_REJ_SRTP_REQUIRED);
    expect_offer_rej(SDES_MODE_REKEY, "srtp=require", plain, SDES_REJ_SRTP_REQUIRED);
    expect_offer_rej(SDES_MODE_DECRYPT, "srtp=off", SRTP_OFFER, SDES_REJ_SRTP_FORBIDDEN);
    expect_offer_rej(SDES_MODE_DECRYPT, "min-key=256", SRTP_OFFER, SDES_REJ_NO_ACCEPTABLE_CRYPTO);
    expect_offer_rej(SDES_MODE_DECRYPT, "suites=AEAD_AES_128_GCM", SRTP_OFFER,
                     SDES_REJ_NO_ACCEPTABLE_CRYPTO);
    expect_offer_rej(SDES_MODE_DECRYPT, "mki=forbid,min-tag=80", SRTP_OFFER,
                     SDES_REJ_NO_ACCEPTABLE_CRYPTO);
    expect_offer_rej(SDES_MODE_DECRYPT, "max-lifetime=2^30,min-tag=80", SRTP_OFFER,
                     SDES_REJ_NO_ACCEPTABLE_CRYPTO);
    expect_offer_rej(SDES_MODE_ENCRYPT, "", SRTP_OFFER, SDES_REJ_MODE_MISMATCH);
    expect_offer_rej(SDES_MODE_DECRYPT, "",
                     "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 1000 RTP/SAVP 0\r\n"
                     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " UNENCRYPTED_SRTCP\r\n",
                     SDES_REJ_NO_ACCEPTABLE_CRYPTO);
    expect_offer_rej(SDES_MODE_DECRYPT, "",
                     "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 1000 RTP/SAVP 0\r\n"
                     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " FOO=1\r\n",
                     SDES_REJ_NO_ACCEPTABLE_CRYPTO);
    /* SDP-level errors */
    expect_offer_rej(SDES_MODE_ENCRYPT, "", "--boundary\r\nContent-Type: application/sdp\r\n",
                     SDES_REJ_MULTIPART);
    expect_offer_rej(SDES_MODE_ENCRYPT, "", "<xml/>", SDES_REJ_NOT_SDP);
    expect_offer_rej(SDES_MODE_ENCRYPT, "", "v=0\r\nthis is not sdp\r\n", SDES_REJ_MALFORMED);
    expect_offer_rej(SDES_MODE_ENCRYPT, "", "v=0\r\nm=audio x RTP/AVP 0\r\n", SDES_REJ_MALFORMED);
    expect_offer_rej(SDES_MODE_ENCRYPT, "", "v=0\r\n\r\nm=audio 1 RTP/AVP 0\r\n",
                     SDES_REJ_MALFORMED);
    char *big = malloc(70000);
    memset(big, 'a', 69999);
    big[69999] = '\0';
    memcpy(big, "v=0\r\ns=", 7);
    expect_offer_rej(SDES_MODE_ENCRYPT, "", big, SDES_REJ_TOO_LARGE);
    free(big);
    /* srtp=optional: plain stays plain in decrypt (best effort) */
    static sdes_state st;
    static sdes_result r;
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_DECRYPT, NULL, plain, &st, &r), SDES_REJ_OK);
    CHECK_EQ(r.media[0].state, SDES_MEDIA_PLAIN);
    sdes_result_free(&r);
}

/* LF and CRLF input give the same CRLF output; untouched m= lines and
 * unknown protos are kept byte for byte. */
static void test_line_ends_and_untouched(void)
{
    static sdes_state st;
    static sdes_result r1, r2;
    const char *lf = "v=0\no=x 1 1 IN IP4 192.0.2.10\ns=-\nc=IN IP4 192.0.2.10\nt=0 0\n"
                     "m=audio 1000 RTP/AVP 0\na=rtcp-mux\n"
                     "m=image 2000 udptl t38\na=T38FaxVersion:0\n";
    const char *crlf = "v=0\r\no=x 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
                       "m=audio 1000 RTP/AVP 0\r\na=rtcp-mux\r\n"
                       "m=image 2000 udptl t38\r\na=T38FaxVersion:0\r\n";
    setup_relays("203.0.113.5", 30000);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_PASSTHROUGH, NULL, lf, &st, &r1), SDES_REJ_OK);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_PASSTHROUGH, NULL, crlf, &st, &r2), SDES_REJ_OK);
    CHECK_STR_EQ(r1.body, r2.body);
    /* o= follows the relay (the author's address stays on the untouched
     * T.38 stream only, docs/sdes-module.md "What is stripped"). */
    CHECK_STR_EQ(r1.body, "v=0\r\no=x 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\n"
                          "t=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=rtcp-mux\r\n"
                          "m=image 2000 udptl t38\r\nc=IN IP4 192.0.2.10\r\na=T38FaxVersion:0\r\n");
    CHECK_EQ(r1.media[1].state, SDES_MEDIA_UNTOUCHED);
    sdes_result_free(&r1);
    sdes_result_free(&r2);
    /* IPv6 relay, media-level c=, a=rtcp with address */
    const char *v6 = "v=0\r\nm=audio 1000 RTP/AVP 0\r\nc=IN IP4 192.0.2.10\r\n"
                     "a=rtcp:1001 IN IP4 192.0.2.10\r\n";
    setup_relays("2001:db8::5", 30000);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_PASSTHROUGH, NULL, v6, &st, &r1), SDES_REJ_OK);
    CHECK_STR_EQ(r1.body, "v=0\r\nm=audio 30000 RTP/AVP 0\r\nc=IN IP6 2001:db8::5\r\n"
                          "a=rtcp:30001 IN IP6 2001:db8::5\r\n");
    sdes_result_free(&r1);
}

/* A relay for m=0 only: m=1 keeps its port and, as the session c= moves
 * to the relay, gets its old address as a media c= line. */
static void test_partial_relays(void)
{
    static sdes_state st;
    static sdes_result r;
    const char *two = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 1000 RTP/AVP 0\r\n"
                      "m=video 1002 RTP/AVP 96\r\n";
    sdes_relay one = {"203.0.113.5", 30000, 0};
    sdes_config cfg = {.mode = SDES_MODE_ENCRYPT};
    sdes_state_init(&st);
    CHECK_EQ(sdes_offer(&cfg, two, strlen(two), &one, 1, &st, &r), SDES_REJ_OK);
    CHECK(strncmp(r.body, "v=0\r\nc=IN IP4 203.0.113.5\r\nm=audio 30000 RTP/SAVP 0\r\n", 52) == 0);
    CHECK(strstr(r.body, "m=video 1002 RTP/SAVPF 96\r\n") == NULL);
    CHECK(strstr(r.body, "m=video 1002 RTP/SAVP 96\r\nc=IN IP4 192.0.2.10\r\n"));
    sdes_result_free(&r);
}

/* The state survives pack/unpack; corrupt bytes are refused. */
static void test_state_pack(void)
{
    static sdes_state st, back;
    static sdes_result r;
    sdes_state_init(&st);
    setup_relays("203.0.113.5", 30000);
    CHECK_EQ(offer(SDES_MODE_REKEY, NULL, SRTP_OFFER, &st, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    uint8_t buf[8192];
    size_t n = sdes_state_pack(&st, buf, sizeof buf);
    CHECK(n > 0 && n < 2048);
    CHECK(sdes_state_unpack(buf, n, &back));
    CHECK_EQ(back.phase, 1);
    CHECK_EQ(back.media[0].n_b_offer, st.media[0].n_b_offer);
    CHECK_MEM_EQ(back.media[0].b_offer[1].keys[0].key_salt, st.media[0].b_offer[1].keys[0].key_salt,
                 30);
    CHECK_MEM_EQ(back.media[0].a_rx.keys[0].key_salt, st.media[0].a_rx.keys[0].key_salt, 30);
    /* the unpacked state answers like the original */
    CHECK_EQ(answer(SDES_MODE_REKEY, NULL,
                    "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
                    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n",
                    &back, &r),
             SDES_REJ_OK);
    sdes_result_free(&r);
    for (size_t cut = 0; cut < n; cut += 7)
        CHECK(!sdes_state_unpack(buf, cut, &back));
    CHECK_EQ(sdes_state_pack(&st, buf, 10), 0);
    buf[0] ^= 1;
    CHECK(!sdes_state_unpack(buf, n, &back));
}

static void test_policy_text(void)
{
    sdes_policy p;
    char err[160], out[512];
    sdes_policy_default(&p);
    CHECK_EQ(sdes_policy_parse("srtp=require,suites=AEAD_AES_256_GCM:AES_256_CM_HMAC_SHA1_80,"
                               "min-key=256,min-tag=80,allow=unencrypted,mki=require,"
                               "max-lifetime=2^31,offer-max=1,gen-mki=4,gen-keys=2,roc=reset",
                               &p, err, sizeof err),
             0);
    sdes_policy_format(&p, out, sizeof out);
    CHECK_STR_EQ(out, "srtp=require,suites=AEAD_AES_256_GCM:AES_256_CM_HMAC_SHA1_80,min-key=256,"
                      "min-tag=80,forbid=unauthenticated,mki=require,max-lifetime=2147483648,"
                      "offer-max=1,gen-mki=4,gen-mki-use=peer,gen-lifetime=0,gen-keys=2,roc=reset,"
                      "nomki=change");
    sdes_policy_default(&p);
    CHECK_EQ(p.gen_mki_use, SDES_MKI_USE_PEER);
    CHECK(!sdes_policy_mki_toward(&p, 1)); /* gen-mki=0: never */
    CHECK_EQ(sdes_policy_parse("gen-mki=1", &p, err, sizeof err), 0);
    CHECK(!sdes_policy_mki_toward(&p, 0));
    CHECK(sdes_policy_mki_toward(&p, 4));
    CHECK_EQ(sdes_policy_parse("gen-mki-use=always", &p, err, sizeof err), 0);
    CHECK(sdes_policy_mki_toward(&p, 0));
    /* nomki=keep: no new key toward a peer our keys carry no MKI to. */
    sdes_policy_default(&p);
    CHECK(sdes_policy_rekey_toward(&p, 0)); /* change: the default */
    CHECK_EQ(sdes_policy_parse("gen-mki=1,nomki=keep", &p, err, sizeof err), 0);
    CHECK(!sdes_policy_rekey_toward(&p, 0));
    CHECK(sdes_policy_rekey_toward(&p, 1));
    CHECK_EQ(sdes_policy_parse("gen-mki-use=always", &p, err, sizeof err), 0);
    CHECK(sdes_policy_rekey_toward(&p, 0));
    CHECK(sdes_policy_parse("nomki=maybe", &p, err, sizeof err) < 0);
    sdes_policy_default(&p);
    CHECK_EQ(sdes_policy_parse("mki=require", &p, err, sizeof err), 0);
    CHECK(sdes_policy_mki_toward(&p, 0)); /* the peer must use MKIs anyway */
    static const char *bad[] = {"srtp=maybe",
                                "suites=FOO",
                                "suites=",
                                "min-key=x",
                                "mki=yes",
                                "gen-keys=2",
                                "offer-max=9",
                                "nonsense",
                                "x=1",
                                "gen-mki=5",
                                "max-lifetime=0",
                                "roc=up",
                                "forbid=everything",
                                "gen-mki-use=sometimes",
                                "suites=AES_CM_128_HMAC_SHA1_80:AES_CM_128_HMAC_SHA1_80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sdes_policy_default(&p);
        err[0] = '\0';
        CHECK_MSG(sdes_policy_parse(bad[i], &p, err, sizeof err) < 0, "accepted \"%s\"", bad[i]);
        CHECK(strncmp(err, "policy: ", 8) == 0);
    }
    /* generated keys obey the policy: gen-keys=2 -> two keys with MKIs
     * (forced: the PBX we offer to has sent no a=crypto) */
    sdes_policy_default(&p);
    CHECK_EQ(sdes_policy_parse("gen-mki=1,gen-keys=2,max-lifetime=2^20", &p, NULL, 0), 0);
    static sdes_state st;
    static sdes_result r;
    sdes_crypto_attr a;
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, &p, PBX_OFFER, &st, &r), SDES_REJ_OK);
    CHECK_EQ(nth_crypto(r.body, 0, &a), SDES_CA_OK);
    CHECK_EQ(a.n_keys, 1); /* following the peer: one key, no MKI */
    CHECK_EQ(a.keys[0].mki_len, 0);
    sdes_result_free(&r);
    sdes_crypto_attr_wipe(&a);
    CHECK_EQ(sdes_policy_parse("gen-mki-use=always", &p, NULL, 0), 0);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, &p, PBX_OFFER, &st, &r), SDES_REJ_OK);
    CHECK_EQ(nth_crypto(r.body, 0, &a), SDES_CA_OK);
    CHECK_EQ(a.n_keys, 2);
    CHECK_EQ(a.keys[0].lifetime, 1 << 20);
    CHECK(a.keys[0].mki[0] != a.keys[1].mki[0]);
    sdes_result_free(&r);
    sdes_crypto_attr_wipe(&a);
}

/* RFC 2046/5621 multipart: the SDP part is found and rewritten in place. */
static void test_multipart(void)
{
    size_t off, n;
    const char *mp = "--xy\nContent-Type: text/plain\n\nhello\n--xy\n"
                     "Content-Type: Application/SDP; charset=x\n\nv=0\nm=audio 1 RTP/AVP 0\n"
                     "\n--xy--\n";
    CHECK_EQ(sdes_multipart_sdp(mp, strlen(mp), &off, &n), SDES_MP_OK);
    CHECK(strncmp(mp + off, "v=0\nm=audio 1 RTP/AVP 0\n", n) == 0);
    CHECK_EQ(n, 24);
    CHECK_EQ(sdes_multipart_sdp("v=0\n", 4, &off, &n), SDES_MP_NOT_MULTIPART);
    CHECK_EQ(sdes_multipart_sdp("--\n", 3, &off, &n), SDES_MP_MALFORMED);
    const char *open_ended = "--xy\nContent-Type: application/sdp\n\nv=0\n";
    CHECK_EQ(sdes_multipart_sdp(open_ended, strlen(open_ended), &off, &n), SDES_MP_MALFORMED);
    const char *no_hdr_end = "--xy\nContent-Type: application/sdp\n";
    CHECK_EQ(sdes_multipart_sdp(no_hdr_end, strlen(no_hdr_end), &off, &n), SDES_MP_MALFORMED);
    const char *plain = "--xy\nContent-Type: application/sdpx\n\nv=0\n--xy--";
    CHECK_EQ(sdes_multipart_sdp(plain, strlen(plain), &off, &n), SDES_MP_NO_SDP);
    static sdes_state st;
    static sdes_result r;
    sdes_state_init(&st);
    setup_relays("203.0.113.5", 30000);
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, NULL, mp, &st, &r), SDES_REJ_OK);
    const char *head = "--xy\nContent-Type: text/plain\n\nhello\n--xy\n";
    CHECK(strncmp(r.body, head, strlen(head)) == 0);
    CHECK(strstr(r.body, "m=audio 30000 RTP/SAVP 0\r\nc=IN IP4 203.0.113.5\r\na=crypto:1 "));
    CHECK(strstr(r.body, "\r\n\n--xy--\n")); /* the part's own blank line kept */
    sdes_result_free(&r);
}

/* Review finding: an a=crypto line written with another case ("a=CRYPTO:",
 * "a=Crypto:") is still an a=crypto attribute to peers that match names
 * without regard to case (FreeSWITCH, Asterisk), so the engine must own it
 * too: outside passthrough its key must not cross the edge, and it counts
 * as the offer's crypto. */
static void test_crypto_name_case(void)
{
    static sdes_state st;
    static sdes_result r;
    static const char up[] =
        "v=0\r\no=ua 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
        "m=audio 5000 RTP/SAVP 0\r\n"
        "a=CRYPTO:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
        "a=Crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n";
    static const sdes_mode modes[] = {SDES_MODE_REKEY, SDES_MODE_DECRYPT};
    setup_relays("192.0.2.1", 20000);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        sdes_state_init(&st);
        CHECK_EQ(offer(modes[i], NULL, up, &st, &r), SDES_REJ_OK);
        CHECK_MSG(!strstr(r.body, KEY30), "mode %s: peer key crossed the edge:\n%s",
                  sdes_mode_name(modes[i]), r.body);
        CHECK(r.media[0].a_rx.srtp);
        CHECK_EQ(r.media[0].a_rx.tag, 1);
        sdes_result_free(&r);
    }
    /* ENCRYPT: the offerer's (odd-case) line is removed like any other. */
    static const char plain[] = "v=0\r\nc=IN IP4 198.51.100.7\r\nm=audio 5000 RTP/AVP 0\r\n"
                                "a=CRYPTO:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n";
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, NULL, plain, &st, &r), SDES_REJ_OK);
    CHECK(!strstr(r.body, KEY30));
    sdes_result_free(&r);
}

/* Review finding: a stream left alone keeps the session c= it relied on
 * when the session c= moves to the relay; that c= must follow the stream's
 * i= line (RFC 4566 §5 order: m=, i=, c=, b=, k=, a=), as it does for a
 * touched stream. */
static void test_untouched_c_after_i(void)
{
    static sdes_state st;
    static sdes_result r;
    static const char sdp[] =
        "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
        "m=audio 5000 RTP/AVP 0\r\n"
        "m=application 5002 UDP/BFCP *\r\ni=floor control\r\na=floorctrl:c-only\r\n";
    setup_relays("192.0.2.1", 20000);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, NULL, sdp, &st, &r), SDES_REJ_OK);
    CHECK_MSG(strstr(r.body, "m=application 5002 UDP/BFCP *\r\ni=floor control\r\n"
                             "c=IN IP4 198.51.100.7\r\na=floorctrl:c-only\r\n"),
              "c= not after i=:\n%s", r.body);
    sdes_result_free(&r);
}

/* Review finding: WSH= is the peer's window size hint (RFC 4568 §6.3.7),
 * any number >= 64; the keyset hands it on as the relay context's replay
 * window, which sg_srtp takes only up to SG_SRTP_MAX_WINDOW (a larger one
 * made srtpd refuse the whole call). The hint is capped there. */
static void test_wsh_capped(void)
{
    static sdes_state st;
    static sdes_result r;
    static const char sdp[] = "v=0\r\nc=IN IP4 198.51.100.7\r\nm=audio 5000 RTP/SAVP 0\r\n"
                              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " WSH=1000000\r\n";
    setup_relays("192.0.2.1", 20000);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_DECRYPT, NULL, sdp, &st, &r), SDES_REJ_OK);
    CHECK(r.media[0].a_rx.srtp);
    CHECK_EQ(r.media[0].a_rx.wsh, SG_SRTP_MAX_WINDOW);
    sdes_result_free(&r);
}

/* Review finding: an AEAD (GCM) line with UNAUTHENTICATED_SRTP passed the
 * policy when allow=unauthenticated, but sg_srtp refuses that context
 * (RFC 7714: AEAD always authenticates), so srtpd would fail the call. The
 * line is unusable and stripped like any other; a usable one still wins. */
static void test_gcm_unauthenticated_unusable(void)
{
    static sdes_state st;
    static sdes_result r;
    sdes_policy p;
    sdes_policy_default(&p);
    CHECK_EQ(sdes_policy_parse("allow=unauthenticated,suites=AEAD_AES_128_GCM:"
                               "AES_CM_128_HMAC_SHA1_80",
                               &p, NULL, 0),
             0);
    static const char sdp[] =
        "v=0\r\nc=IN IP4 198.51.100.7\r\nm=audio 5000 RTP/SAVP 0\r\n"
        "a=crypto:1 AEAD_AES_128_GCM inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA== "
        "UNAUTHENTICATED_SRTP\r\n"
        "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n";
    setup_relays("192.0.2.1", 20000);
    sdes_state_init(&st);
    CHECK_EQ(offer(SDES_MODE_DECRYPT, &p, sdp, &st, &r), SDES_REJ_OK);
    CHECK_EQ(r.media[0].a_rx.tag, 2);
    sdes_result_free(&r);
}

/* sdes_state_copy / sdes_state_clear (sdes.so's per-process context):
 * a copy over a larger state leaves nothing of it behind, and clear
 * returns a state to all zero bytes, touching only its used m= lines. */
static void test_state_clear_copy(void)
{
    static sdes_state two, one, dst, zero;
    sdes_result r;
    memset(&r, 0, sizeof r);
    sdes_state_init(&two);
    CHECK_EQ(offer(SDES_MODE_ENCRYPT, NULL, PBX_OFFER, &two, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    CHECK_EQ(two.n_media, 2);
    sdes_state_init(&one);
    CHECK_EQ(offer(SDES_MODE_DECRYPT, NULL, SRTP_OFFER, &one, &r), SDES_REJ_OK);
    sdes_result_free(&r);
    CHECK_EQ(one.n_media, 1);
    sdes_state_copy(&dst, &two);
    CHECK_EQ(memcmp(&dst, &two, sizeof dst), 0);
    sdes_state_copy(&dst, &one);
    CHECK_EQ(dst.n_media, 1);
    CHECK_EQ(memcmp(&dst.media[0], &one.media[0], sizeof dst.media[0]), 0);
    CHECK_EQ(memcmp(&dst.media[1], &zero.media[1], sizeof dst.media[1]), 0); /* two's keys gone */
    sdes_state_clear(&dst);
    CHECK_EQ(memcmp(&dst, &zero, sizeof dst), 0);
    sdes_state_clear(&two);
    CHECK_EQ(memcmp(&two, &zero, sizeof two), 0);
    sdes_state_clear(&one);
}

/* keys_from: an offer's second pass (with the relay's ports) writes the
 * first pass's keys again, so both return the same state (sdes.so stores
 * it with srtpd's offer before it knows the ports); for a first offer, a
 * rekey re-offer with MKIs, and a state that does not match is refused. */
static void test_offer_keys_from(void)
{
    static sdes_state prev, one, two;
    static uint8_t p1[4096], p2[4096];
    sdes_result r1, r2;
    sdes_policy p;
    memset(&r1, 0, sizeof r1);
    memset(&r2, 0, sizeof r2);
    sdes_policy_default(&p);
    CHECK_EQ(sdes_policy_parse("gen-mki=1,gen-mki-use=always", &p, NULL, 0), 0);
    sdes_state_init(&prev);
    setup_relays("203.0.113.5", 30000);
    for (int rekey = 0; rekey < 2; rekey++) {
        sdes_config cfg = {.mode = SDES_MODE_ENCRYPT, .policy = &p, .rekey = rekey == 1};
        sdes_state_copy(&one, &prev);
        CHECK_EQ(sdes_offer(&cfg, PBX_OFFER, strlen(PBX_OFFER), NULL, 0, &one, &r1), SDES_REJ_OK);
        sdes_state_copy(&two, &prev);
        cfg.keys_from = &one;
        CHECK_EQ(sdes_offer(&cfg, PBX_OFFER, strlen(PBX_OFFER), relays, SDES_MAX_MEDIA, &two, &r2),
                 SDES_REJ_OK);
        size_t n1 = sdes_state_pack(&one, p1, sizeof p1), n2 = sdes_state_pack(&two, p2, sizeof p2);
        CHECK(n1 > 0 && n1 == n2 && memcmp(p1, p2, n1) == 0);
        CHECK(strstr(r2.body, "m=audio 30000 ") != NULL);
        CHECK_EQ(r2.media[0].rekeyed, rekey == 1);
        if (rekey) /* a new key, the first exchange's kept second (hitless) */
            CHECK_EQ(two.media[0].b_offer[0].n_keys, 2);
        sdes_result_free(&r1);
        sdes_result_free(&r2);
        /* An answer completes the exchange; the next round re-offers. */
        const char *ans = "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
                          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:1\r\n"
                          "m=video 7002 RTP/SAVPF 96\r\n"
                          "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:1\r\n";
        cfg.keys_from = NULL;
        sdes_state_copy(&prev, &two);
        CHECK_EQ(sdes_answer(&cfg, ans, strlen(ans), relays, SDES_MAX_MEDIA, &prev, &r1),
                 SDES_REJ_OK);
        sdes_result_free(&r1);
    }
    /* A keys_from state of another offer (no video line) is refused. */
    static sdes_state other;
    sdes_config cfg = {.mode = SDES_MODE_ENCRYPT, .policy = &p};
    const char *audio = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 10000 RTP/AVP 0\r\n";
    sdes_state_init(&other);
    CHECK_EQ(sdes_offer(&cfg, audio, strlen(audio), NULL, 0, &other, &r1), SDES_REJ_OK);
    sdes_result_free(&r1);
    sdes_state_init(&two);
    cfg.keys_from = &other;
    CHECK_EQ(sdes_offer(&cfg, PBX_OFFER, strlen(PBX_OFFER), relays, SDES_MAX_MEDIA, &two, &r2),
             SDES_REJ_BAD_PARAM);
    CHECK(r2.body == NULL);
    sdes_result_free(&r2);
    sdes_state_clear(&prev);
    sdes_state_clear(&one);
    sdes_state_clear(&two);
    sdes_state_clear(&other);
}

int main(void)
{
    RUN(test_encrypt_flow);
    RUN(test_decrypt_flow);
    RUN(test_rekey_flow);
    RUN(test_rekey_nomki);
    RUN(test_passthrough_osrtp);
    RUN(test_reoffer);
    RUN(test_answer_errors);
    RUN(test_policy_rejections);
    RUN(test_line_ends_and_untouched);
    RUN(test_state_pack);
    RUN(test_partial_relays);
    RUN(test_policy_text);
    RUN(test_multipart);
    RUN(test_decrypt_reoffer_rekey);
    RUN(test_crypto_name_case);
    RUN(test_untouched_c_after_i);
    RUN(test_wsh_capped);
    RUN(test_gcm_unauthenticated_unusable);
    RUN(test_state_clear_copy);
    RUN(test_offer_keys_from);
    return check_summary("sdes_engine");
}
