/*
 * tests/unit/srtp_resume_test.c — resuming a context's index state
 * (rtp/srtp/resume.c, what srtpd's store keeps across a restart): a
 * context rebuilt with the same key and resumed from the old one's state
 * protects the next packet to the very bytes the old one would (index and
 * ROC continue, also across a SEQ wrap), refuses every index at or below
 * the resumed one (no keystream reuse), continues SRTCP numbering, starts
 * unknown streams' SRTCP at the floor, and a resumed receiver refuses
 * replays at or below its resumed index.
 */
#include <string.h>

#include "srtp/sg_srtp.h"
#include "srtp/suite.h"
#include "tests/check.h"

static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t salt[14] = {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34};

static sg_srtp_ctx *ctx(sg_srtp_dir dir)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), .dir = dir};
    sg_srtp_ctx *c = NULL;
    sg_srtp_key k = {.master_key = key, .master_salt = salt};
    if (sg_srtp_ctx_new(&p, &c) != SG_OK || sg_srtp_add_key(c, &k) != SG_OK)
        return NULL;
    return c;
}

static size_t rtp(uint8_t *b, uint16_t seq, uint8_t fill)
{
    memset(b, 0, 12 + 40);
    b[0] = 0x80;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[8] = 0xca;
    b[11] = 0xfe; /* SSRC 0xca0000fe */
    memset(b + 12, fill, 40);
    return 52;
}

static size_t rtcp(uint8_t *b)
{
    memset(b, 0, 28);
    b[0] = 0x80;
    b[1] = 200;
    b[3] = 6;
    b[4] = 0xca;
    b[7] = 0xfe;
    return 28;
}

static sg_status prot(sg_srtp_ctx *c, uint16_t seq, uint8_t fill, uint8_t *out, size_t *n)
{
    uint8_t b[128];
    size_t len = rtp(b, seq, fill);
    return sg_srtp_protect(c, b, len, out, 128, n);
}

static uint32_t srtcp_index(sg_srtp_ctx *c)
{
    uint8_t b[64], o[128];
    size_t n;
    size_t len = rtcp(b);
    if (sg_srtcp_protect(c, b, len, o, sizeof(o), &n) != SG_OK)
        return 0xffffffffu;
    /* HMAC suite, no MKI: RTCP | E||index | tag (10) */
    const uint8_t *e = o + n - 10 - 4;
    return ((uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3]) & 0x7fffffffu;
}

static sg_srtp_stream_info state_of(const sg_srtp_ctx *c)
{
    sg_srtp_stream_info in = {0};
    for (size_t i = 0; i < sg_srtp_stream_slots(c); i++)
        if (sg_srtp_stream_info_get(c, i, &in))
            break;
    return in;
}

static void test_continues_across_wrap(void)
{
    sg_srtp_ctx *a = ctx(SG_SRTP_PROTECT), *b = ctx(SG_SRTP_PROTECT), *fresh = ctx(SG_SRTP_PROTECT);
    CHECK(a && b && fresh);
    uint8_t o1[128], o2[128];
    size_t n1, n2;
    for (uint32_t i = 0; i < 12; i++) /* 65530 .. 65535, 0 .. 5: ROC 1 */
        CHECK_EQ(prot(a, (uint16_t)(65530 + i), 1, o1, &n1), SG_OK);
    for (int i = 0; i < 3; i++)
        CHECK(srtcp_index(a) != 0xffffffffu);
    sg_srtp_stream_info in = state_of(a);
    CHECK(in.has_srtp && in.has_srtcp);
    CHECK_EQ(in.ssrc, 0xca0000fe);
    CHECK_EQ(in.srtp_index, 65536 + 5);
    CHECK_EQ(in.srtcp_index, 2);
    CHECK_EQ(sg_srtp_stream_resume(b, &in), SG_OK);
    /* The next packet: the same bytes from the old and the resumed one. */
    CHECK_EQ(prot(a, 6, 9, o1, &n1), SG_OK);
    CHECK_EQ(prot(b, 6, 9, o2, &n2), SG_OK);
    CHECK_EQ(n1, n2);
    CHECK(memcmp(o1, o2, n1) == 0);
    /* A context that starts over (ROC 0) would produce other bytes. */
    CHECK_EQ(prot(fresh, 6, 9, o2, &n2), SG_OK);
    CHECK(memcmp(o1, o2, n1) != 0);
    /* At or below the resumed index: refused, whatever the payload. */
    CHECK(prot(b, 5, 7, o2, &n2) != SG_OK);
    CHECK(prot(b, 65535, 7, o2, &n2) != SG_OK);
    /* SRTCP goes on after the resumed index. */
    CHECK_EQ(srtcp_index(b), 3);
    sg_srtp_ctx_free(a);
    sg_srtp_ctx_free(b);
    sg_srtp_ctx_free(fresh);
}

static void test_forward_jump_and_floor(void)
{
    sg_srtp_ctx *b = ctx(SG_SRTP_PROTECT), *c = ctx(SG_SRTP_PROTECT);
    CHECK(b && c);
    sg_srtp_stream_info in = {.ssrc = 0xca0000fe, .has_srtcp = true, .srtcp_index = 500};
    CHECK_EQ(sg_srtp_stream_resume(b, &in), SG_OK);
    CHECK_EQ(srtcp_index(b), 501);
    CHECK_EQ(sg_srtp_set_srtcp_floor(c, 1u << 20), SG_OK);
    CHECK_EQ(srtcp_index(c), 1u << 20);
    CHECK_EQ(srtcp_index(c), (1u << 20) + 1);
    CHECK_EQ(sg_srtp_set_srtcp_floor(c, 0x80000000u), SG_BAD_PARAM);
    in.srtcp_index = 0x80000000u;
    CHECK_EQ(sg_srtp_stream_resume(b, &in), SG_BAD_PARAM);
    sg_srtp_ctx_free(b);
    sg_srtp_ctx_free(c);
}

static void test_receiver_refuses_replay(void)
{
    sg_srtp_ctx *tx = ctx(SG_SRTP_PROTECT), *rx = ctx(SG_SRTP_UNPROTECT);
    CHECK(tx && rx);
    uint8_t old[128], o[128], pt[128];
    size_t nold, n, np;
    CHECK_EQ(prot(tx, 100, 3, old, &nold), SG_OK);
    for (uint16_t s = 101; s < 200; s++)
        CHECK_EQ(prot(tx, s, 3, o, &n), SG_OK);
    sg_srtp_stream_info in = {.ssrc = 0xca0000fe, .has_srtp = true, .srtp_index = 199};
    CHECK_EQ(sg_srtp_stream_resume(rx, &in), SG_OK);
    CHECK(sg_srtp_unprotect(rx, old, nold, pt, sizeof(pt), &np) != SG_OK); /* replay */
    CHECK_EQ(prot(tx, 200, 3, o, &n), SG_OK);
    CHECK_EQ(sg_srtp_unprotect(rx, o, n, pt, sizeof(pt), &np), SG_OK);
    sg_srtp_ctx_free(tx);
    sg_srtp_ctx_free(rx);
}

int main(void)
{
    RUN(test_continues_across_wrap);
    RUN(test_forward_jump_and_floor);
    RUN(test_receiver_refuses_replay);
    return check_summary("srtp_resume");
}
