/*
 * tests/unit/srtp_xcheck_test.c — byte-for-byte cross-check against libsrtp2
 * (Debian's libsrtp2-dev) where no RFC gives a whole-packet vector from a
 * master key: above all the GCM key derivation (RFC 7714 §11, 96-bit salt
 * padded as libsrtp does) and SRTCP keys (labels 3-5 at the SRTP label
 * position, RFC 3711 erratum 3712). Same master key, same packets: ours and
 * libsrtp2 must produce identical SRTP and SRTCP bytes, and each must
 * decode the other's. (Full interop, MKI and wrap cases: tests/interop.)
 *
 * Not here: AES_192_CM_* (libsrtp2 2.5 derives AES-192 session keys with
 * AES-256, libsrtp issue #763, fixed after 2.5; our AES-192 KDF is pinned by
 * the RFC 6188 §7.4 vectors in srtp_kat) and F8 (not in libsrtp2's API).
 */
#include "tests/check.h"
#include "tests/unit/srtp_util.h"

#include <srtp2/srtp.h>

static int ls_policy(sg_suite_id id, srtp_policy_t *p)
{
    memset(p, 0, sizeof *p);
    switch (id) {
    case SG_SUITE_AES_CM_128_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        break;
    case SG_SUITE_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
        break;
    case SG_SUITE_AES_256_CM_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
        break;
    case SG_SUITE_AES_256_CM_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
        break;
    case SG_SUITE_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        break;
    case SG_SUITE_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
        break;
    default:
        return -1;
    }
    /* RFC 4568: SRTCP tags are 80 bits even for the _32 suites. */
    if (id == SG_SUITE_AES_CM_128_HMAC_SHA1_32)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    else if (id == SG_SUITE_AES_256_CM_HMAC_SHA1_32)
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
    else
        p->rtcp = p->rtp;
    return 0;
}

static void test_same_bytes_as_libsrtp2(void)
{
    int done = 0;
    for (int id = 0; id < SG_SUITE_COUNT; id++) {
        srtp_policy_t pol;
        if (ls_policy((sg_suite_id)id, &pol) != 0)
            continue;
        const sg_suite *su = sg_suite_get((sg_suite_id)id);
        uint8_t key[32], salt[14], mki[4], material[64];
        tu_key(3, key, salt, mki);
        memcpy(material, key, su->key_len);
        memcpy(material + su->key_len, salt, su->salt_len);
        srtp_t ls_tx = NULL, ls_rx = NULL;
        pol.key = material;
        pol.window_size = 128;
        pol.ssrc.type = ssrc_any_outbound;
        CHECK_EQ(srtp_create(&ls_tx, &pol), srtp_err_status_ok);
        pol.ssrc.type = ssrc_any_inbound;
        CHECK_EQ(srtp_create(&ls_rx, &pol), srtp_err_status_ok);
        sg_srtp_params p = {.suite = su};
        tu_pair t;
        CHECK_EQ(tu_open(&t, &p, 0), 0);
        CHECK_EQ(tu_add(t.tx, 3, 0), SG_OK);
        CHECK_EQ(tu_add(t.rx, 3, 0), SG_OK);
        uint8_t pkt[400], a[400], b[400], out[400];
        for (unsigned i = 0; i < 12; i++) {
            size_t len = tu_rtp(pkt, 0xcafe0001, (uint16_t)(65530 + i), 160, i % 2, 0), al, ol;
            CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, a, sizeof a, &al), SG_OK);
            memcpy(b, pkt, len);
            int bl = (int)len;
            CHECK_EQ(srtp_protect(ls_tx, b, &bl), srtp_err_status_ok);
            CHECK_EQ((size_t)bl, al);
            CHECK_MSG(memcmp(a, b, al) == 0, "%s SRTP seq %u: bytes differ from libsrtp2", su->name,
                      65530 + i);
            CHECK_EQ(sg_srtp_unprotect(t.rx, b, al, out, sizeof out, &ol), SG_OK);
            CHECK_MEM_EQ(out, pkt, len);
            int l = (int)al;
            CHECK_EQ(srtp_unprotect(ls_rx, a, &l), srtp_err_status_ok);
            CHECK_EQ((size_t)l, len);
        }
        for (unsigned i = 0; i < 4; i++) {
            /* libsrtp2 numbers SRTCP from 1: align ours by sending one we drop. */
            size_t len = tu_rtcp(pkt, 0xcafe0001, i, 16), al, ol;
            if (i == 0)
                CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, a, sizeof a, &al), SG_OK);
            CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, a, sizeof a, &al), SG_OK);
            memcpy(b, pkt, len);
            int bl = (int)len;
            CHECK_EQ(srtp_protect_rtcp(ls_tx, b, &bl), srtp_err_status_ok);
            CHECK_EQ((size_t)bl, al);
            CHECK_MSG(memcmp(a, b, al) == 0, "%s SRTCP %u: bytes differ from libsrtp2", su->name,
                      i);
            CHECK_EQ(sg_srtcp_unprotect(t.rx, b, al, out, sizeof out, &ol), SG_OK);
            CHECK_MEM_EQ(out, pkt, len);
        }
        tu_close(&t);
        srtp_dealloc(ls_tx);
        srtp_dealloc(ls_rx);
        done++;
    }
    CHECK_EQ(done, 6);
}

int main(void)
{
    if (srtp_init() != srtp_err_status_ok)
        return 1;
    RUN(test_same_bytes_as_libsrtp2);
    srtp_shutdown();
    return check_summary("srtp_xcheck");
}
