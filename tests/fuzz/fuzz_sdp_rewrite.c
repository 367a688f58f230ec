/*
 * tests/fuzz/fuzz_sdp_rewrite.c — libFuzzer target for the whole SDES
 * engine: SDP index, policy, offer/answer and rewrite (modules/sdes). Byte 0
 * picks the mode, byte 1 a policy and relay variant; the rest is the SDP.
 * Properties checked beyond "no crash": a rejection has no body and a
 * reason; an accepted offer's output parses again with the same number of
 * m= lines, ends every line in CRLF, and so does it after sdes_result_rtcp
 * renames its RTCP ports (once: a second rename changes nothing); feeding it
 * back as the answer gives a defined result; the state survives pack/unpack.
 */
#include "sdes/engine/multipart.h"
#include "sdes/engine/sdes_engine.h"

#include <stdlib.h>
#include <string.h>

static const char *policies[] = {
    "",
    "srtp=require",
    "srtp=off",
    "suites=AEAD_AES_256_GCM:AES_256_CM_HMAC_SHA1_80,min-tag=80,offer-max=2",
    "gen-mki=2,gen-keys=3,gen-lifetime=2^31,max-lifetime=2^31",
    "mki=require,allow=unencrypted:unauthenticated,roc=reset",
    "mki=forbid,min-key=192",
    "offer-max=4,gen-mki=1",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    sdes_policy pol;
    sdes_policy_default(&pol);
    if (sdes_policy_parse(policies[data[1] % 8], &pol, NULL, 0) < 0)
        abort();
    sdes_relay relays[SDES_MAX_MEDIA];
    memset(relays, 0, sizeof relays);
    size_t n_relays = (data[1] >> 3) % 3 == 0 ? 0 : SDES_MAX_MEDIA;
    for (int i = 0; i < SDES_MAX_MEDIA; i++) {
        strcpy(relays[i].addr, (data[1] >> 5) & 1 ? "2001:db8::5" : "203.0.113.5");
        relays[i].port = (uint16_t)(30000 + 2 * i);
        relays[i].rtcp_port = (data[1] >> 6) & 1 ? (uint16_t)(40000 + i) : 0;
        if ((data[1] >> 7) & 1) /* a leg that multiplexes now */
            relays[i].rtcp_port = relays[i].port;
    }
    sdes_config cfg = {
        .mode = (sdes_mode)(data[0] % 5), .policy = &pol, .rekey = (data[0] >> 3) & 1};
    static sdes_state st;
    static sdes_result res, res2;
    sdes_state_init(&st);
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    sdes_rej rj = sdes_offer(&cfg, body, len, n_relays ? relays : NULL, n_relays, &st, &res);
    if (rj != res.code || (res.reason[0] != '\0') != (rj != SDES_REJ_OK))
        abort();
    if (rj != SDES_REJ_OK) {
        if (res.body || st.phase != 0)
            abort();
        sdes_result_free(&res);
        return 0;
    }
    /* the output (its SDP part, for a multipart body) is SDP we can index
     * again, CRLF only */
    size_t off = 0, n = res.body_len;
    if (res.body_len > 2 && res.body[0] == '-' && res.body[1] == '-' &&
        sdes_multipart_sdp(res.body, res.body_len, &off, &n) != SDES_MP_OK)
        abort();
    sdes_sdp again;
    if (sdes_sdp_parse(res.body + off, n, &again, NULL) == SDES_SDP_OK) {
        if (again.n_media != res.n_media)
            abort();
        sdes_sdp_free(&again);
    } else if (n <= SDES_SDP_MAX_BODY) {
        abort();
    }
    for (size_t i = off; i < off + n; i++)
        if (res.body[i] == '\n' && (i == 0 || res.body[i - 1] != '\r'))
            abort();
    /* srtpd's reply names other RTCP ports (a leg that left rtcp-mux):
     * the renamed body is still SDP with the same m= lines, CRLF only,
     * and renaming again changes nothing. */
    sdes_relay moved[SDES_MAX_MEDIA];
    memcpy(moved, relays, sizeof moved);
    for (int i = 0; i < SDES_MAX_MEDIA; i++)
        moved[i].rtcp_port = (uint16_t)(45000 + i);
    bool changed = false;
    rj = sdes_result_rtcp(&res, moved, n_relays, &changed);
    if (rj != SDES_REJ_OK && rj != SDES_REJ_ALLOC)
        abort();
    if (changed) {
        off = 0, n = res.body_len;
        if (res.body_len > 2 && res.body[0] == '-' && res.body[1] == '-' &&
            sdes_multipart_sdp(res.body, res.body_len, &off, &n) != SDES_MP_OK)
            abort();
        if (sdes_sdp_parse(res.body + off, n, &again, NULL) != SDES_SDP_OK)
            abort();
        if (again.n_media != res.n_media)
            abort();
        sdes_sdp_free(&again);
        for (size_t i = off; i < off + n; i++)
            if (res.body[i] == '\n' && (i == 0 || res.body[i - 1] != '\r'))
                abort();
        if (sdes_result_rtcp(&res, moved, n_relays, &changed) == SDES_REJ_OK && changed)
            abort();
    }
    static uint8_t packed[1 << 16];
    static sdes_state back;
    size_t pn = sdes_state_pack(&st, packed, sizeof packed);
    if (!pn || !sdes_state_unpack(packed, pn, &back))
        abort();
    /* The rewritten offer played back as the answer: any defined outcome. */
    rj =
        sdes_answer(&cfg, res.body, res.body_len, n_relays ? relays : NULL, n_relays, &back, &res2);
    if (rj != SDES_REJ_OK && res2.body)
        abort();
    sdes_result_free(&res2);
    /* and a re-offer of the original against the answered state */
    if (rj == SDES_REJ_OK) {
        rj = sdes_offer(&cfg, body, len, n_relays ? relays : NULL, n_relays, &back, &res2);
        if (rj != SDES_REJ_OK)
            abort(); /* the same offer was accepted a moment ago */
        sdes_result_free(&res2);
    }
    sdes_result_free(&res);
    sdes_state_wipe(&back);
    sdes_state_wipe(&st);
    return 0;
}
