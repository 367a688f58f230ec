/*
 * tests/interop/libsrtp_peer.c — builds matching libsrtp2 sessions and
 * sdesgate contexts from one lsp_setup, and deterministic RTP/RTCP packets
 * (RFC 3550 §5.1 and §6.4.1) for the interop tests.
 *
 * libsrtp2 takes a master key and salt concatenated (key || salt) and, for
 * MKI, an array of srtp_master_key_t with one mki_size for all keys; the
 * SRTCP tag of the _32 suites is 80 bits (RFC 4568 §6.2.1), so SRTCP always
 * uses the _80 policy of the same cipher.
 */
#include "tests/interop/libsrtp_peer.h"

#include <string.h>

bool lsp_libsrtp_has_suite(sg_suite_id id)
{
    return id != SG_SUITE_F8_128_HMAC_SHA1_80 && id < SG_SUITE_COUNT;
}

const char *lsp_libsrtp_gap(sg_suite_id id)
{
    if (id == SG_SUITE_AES_192_CM_HMAC_SHA1_80 || id == SG_SUITE_AES_192_CM_HMAC_SHA1_32)
        return "libsrtp2 2.5 derives AES-192 session keys with AES-256 (not RFC 6188 5.2)";
    return NULL;
}

bool lsp_interop_suite(sg_suite_id id)
{
    return lsp_libsrtp_has_suite(id) && !lsp_libsrtp_gap(id);
}

const char *lsp_libsrtp_srtcp_gap(const lsp_setup *s)
{
    const sg_suite *su = sg_suite_get(s->suite);
    if (s->mki_len && su->srtp_tag_len != su->srtcp_tag_len)
        return "libsrtp2 2.5 locates the SRTCP MKI with the RTP tag length";
    return NULL;
}

void lsp_key(const lsp_setup *s, unsigned i, uint8_t key[32], uint8_t salt[14],
             uint8_t mki[SG_SRTP_MAX_MKI_LEN])
{
    /* Arbitrary but distinct per key, per suite and per byte. */
    for (unsigned b = 0; b < 32; b++)
        key[b] = (uint8_t)(0x11 * (i + 1) + 7 * b + 3 * (unsigned)s->suite);
    for (unsigned b = 0; b < 14; b++)
        salt[b] = (uint8_t)(0xa5 ^ (i * 29 + b * 13));
    memset(mki, 0, SG_SRTP_MAX_MKI_LEN);
    for (unsigned b = 0; b < s->mki_len; b++)
        mki[b] = (uint8_t)(b + 1 == s->mki_len ? i + 1 : 0xc0 + b);
}

void lsp_policy_suite(sg_suite_id id, srtp_policy_t *p)
{
    switch (id) {
    case SG_SUITE_AES_CM_128_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
        break;
    case SG_SUITE_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
        break;
    case SG_SUITE_AES_192_CM_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtcp);
        break;
    case SG_SUITE_AES_192_CM_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtcp);
        break;
    case SG_SUITE_AES_256_CM_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
        break;
    case SG_SUITE_AES_256_CM_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
        break;
    case SG_SUITE_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
        break;
    case SG_SUITE_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
        break;
    default:
        break;
    }
}

void lsp_policy_keys(srtp_policy_t *p, lsp_keytab *t, unsigned n, unsigned mki_len)
{
    if (n > LSP_MAX_KEYS)
        n = LSP_MAX_KEYS;
    for (unsigned i = 0; i < n; i++) {
        t->mk[i].key = t->material[i];
        t->mk[i].mki_id = t->mki[i];
        t->mk[i].mki_size = mki_len;
        t->mkp[i] = &t->mk[i];
    }
    if (mki_len) {
        p->keys = t->mkp;
        p->num_master_keys = n;
    } else {
        p->key = t->material[0];
    }
}

void lsp_keytab_wipe(lsp_keytab *t)
{
    memset(t, 0, sizeof *t);
}

/* The suite's policies with the setup's session parameters applied. */
static void set_policies(const lsp_setup *s, srtp_policy_t *p)
{
    lsp_policy_suite(s->suite, p);
    /* RFC 4568 §6.3.2 session parameters map onto libsrtp2's sec_serv. */
    if (s->unencrypted_srtp)
        p->rtp.sec_serv &= ~sec_serv_conf;
    if (s->unauthenticated_srtp) {
        /* Clearing sec_serv_auth alone is not enough: libsrtp2's unprotect
         * still strips auth_tag_len bytes (its own packets fail too), so
         * use its null-auth form (srtp_crypto_policy_set_*_null_auth). */
        p->rtp.sec_serv &= ~sec_serv_auth;
        p->rtp.auth_type = SRTP_NULL_AUTH;
        p->rtp.auth_key_len = 0;
        p->rtp.auth_tag_len = 0;
    }
    if (s->unencrypted_srtcp)
        p->rtcp.sec_serv &= ~sec_serv_conf;
}

int lsp_libsrtp_new(const lsp_setup *s, bool outbound, srtp_t *out)
{
    if (!lsp_libsrtp_has_suite(s->suite) || s->nkeys < 1 || s->nkeys > LSP_MAX_KEYS)
        return -1;
    const sg_suite *su = sg_suite_get(s->suite);
    lsp_keytab t;
    for (unsigned i = 0; i < s->nkeys; i++) {
        uint8_t key[32], salt[14];
        lsp_key(s, i, key, salt, t.mki[i]);
        memcpy(t.material[i], key, su->key_len);
        memcpy(t.material[i] + su->key_len, salt, su->salt_len);
    }
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    set_policies(s, &p);
    if (s->any_ssrc) {
        p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    } else {
        p.ssrc.type = ssrc_specific;
        p.ssrc.value = s->ssrc;
    }
    lsp_policy_keys(&p, &t, s->nkeys, s->mki_len);
    p.window_size = s->window ? s->window : 128;
    int st = srtp_create(out, &p);
    lsp_keytab_wipe(&t);
    return st;
}

sg_status lsp_ours_new(const lsp_setup *s, sg_srtp_dir dir, sg_srtp_ctx **out)
{
    sg_srtp_params prm;
    memset(&prm, 0, sizeof prm);
    prm.suite = sg_suite_get(s->suite);
    prm.dir = dir;
    prm.unencrypted_srtp = s->unencrypted_srtp;
    prm.unencrypted_srtcp = s->unencrypted_srtcp;
    prm.unauthenticated_srtp = s->unauthenticated_srtp;
    prm.replay_window = s->window;
    prm.mki_len = s->mki_len;
    sg_srtp_ctx *ctx = NULL;
    sg_status st = sg_srtp_ctx_new(&prm, &ctx);
    if (st != SG_OK)
        return st;
    for (unsigned i = 0; i < s->nkeys; i++) {
        uint8_t key[32], salt[14], mki[SG_SRTP_MAX_MKI_LEN];
        lsp_key(s, i, key, salt, mki);
        sg_srtp_key k = {
            .master_key = key, .master_salt = salt, .mki = s->mki_len ? mki : NULL, .lifetime = 0};
        st = sg_srtp_add_key(ctx, &k);
        memset(key, 0, sizeof key);
        if (st != SG_OK) {
            sg_srtp_ctx_free(ctx);
            return st;
        }
    }
    *out = ctx;
    return SG_OK;
}

sg_status lsp_ours_use(const lsp_setup *s, sg_srtp_ctx *ctx, unsigned i)
{
    uint8_t key[32], salt[14], mki[SG_SRTP_MAX_MKI_LEN];
    lsp_key(s, i, key, salt, mki);
    memset(key, 0, sizeof key);
    return sg_srtp_use_key(ctx, mki, s->mki_len);
}

int lsp_peers_open(lsp_peers *p, const lsp_setup *s, const char **why)
{
    memset(p, 0, sizeof *p);
    p->s = *s;
    if (lsp_ours_new(s, SG_SRTP_PROTECT, &p->ours_tx) != SG_OK ||
        lsp_ours_new(s, SG_SRTP_UNPROTECT, &p->ours_rx) != SG_OK ||
        lsp_libsrtp_new(s, true, &p->ls_tx) != 0 || lsp_libsrtp_new(s, false, &p->ls_rx) != 0) {
        if (why)
            *why = "setting up the contexts failed";
        return -1;
    }
    return 0;
}

void lsp_peers_close(lsp_peers *p)
{
    sg_srtp_ctx_free(p->ours_tx);
    sg_srtp_ctx_free(p->ours_rx);
    if (p->ls_tx)
        srtp_dealloc(p->ls_tx);
    if (p->ls_rx)
        srtp_dealloc(p->ls_rx);
    memset(p, 0, sizeof *p);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

size_t lsp_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq, uint32_t ts, size_t payload_len,
               unsigned variant)
{
    unsigned cc = (variant & 1) ? 2 : 0;
    bool x = (variant & 2) != 0;
    size_t pad = (variant & 4) ? 4 : 0;
    size_t n = 0;
    buf[0] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | (x ? 0x10 : 0) | cc);
    buf[1] = (uint8_t)(seq == 0 ? 0x80 | 8 : 0); /* marker on seq 0, PT 0/8 */
    put16(buf + 2, seq);
    put32(buf + 4, ts);
    put32(buf + 8, ssrc);
    n = 12;
    for (unsigned i = 0; i < cc; i++, n += 4)
        put32(buf + n, 0x1000u + i);
    if (x) { /* RFC 8285 one-byte header extension, one word */
        put16(buf + n, 0xBEDE);
        put16(buf + n + 2, 1);
        put32(buf + n + 4, 0x10aabbccu);
        n += 8;
    }
    for (size_t i = 0; i < payload_len; i++)
        buf[n + i] = (uint8_t)(seq * 7 + i * 31 + (i >> 8));
    n += payload_len;
    if (pad) {
        memset(buf + n, 0, pad - 1);
        buf[n + pad - 1] = (uint8_t)pad;
        n += pad;
    }
    return n;
}

size_t lsp_rtcp(uint8_t *buf, uint32_t ssrc, unsigned n)
{
    /* SR with no report blocks: 28 bytes (RFC 3550 §6.4.1). */
    buf[0] = 0x80;
    buf[1] = 200;
    put16(buf + 2, 6);
    put32(buf + 4, ssrc);
    put32(buf + 8, 0xe0000000u + n); /* NTP MSW */
    put32(buf + 12, n * 1000u);      /* NTP LSW */
    put32(buf + 16, n * 160u);       /* RTP timestamp */
    put32(buf + 20, n);              /* packet count */
    put32(buf + 24, n * 160u);       /* octet count */
    /* SDES with one chunk: SSRC, CNAME "sdesgate@test", END, pad (§6.5). */
    static const char cname[] = "sdesgate@test";
    uint8_t *d = buf + 28;
    d[0] = 0x81;
    d[1] = 202;
    put32(d + 4, ssrc);
    d[8] = 1;
    d[9] = (uint8_t)(sizeof cname - 1);
    memcpy(d + 10, cname, sizeof cname - 1);
    size_t len = 10 + sizeof cname - 1;
    d[len++] = 0; /* END */
    while (len % 4)
        d[len++] = 0;
    put16(d + 2, (uint32_t)(len / 4 - 1));
    return 28 + len;
}

uint32_t lsp_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}
