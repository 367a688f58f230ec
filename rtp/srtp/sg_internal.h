/*
 * rtp/srtp/sg_internal.h — the library's internal types and the building
 * blocks shared between its files: the key derivation function (kdf.c,
 * RFC 3711 §4.3), the ciphers (cipher_ctr.c §4.1.1, cipher_f8.c §4.1.2,
 * cipher_gcm.c RFC 7714), HMAC-SHA1 (auth_hmac.c §4.2), session keys
 * (session.c), the replay window (replay.c §3.3.2), the master key table
 * (keys.c §8.1, §9.2) and per-SSRC streams (stream.c, Appendix A).
 *
 * Not part of the public API (sg_srtp.h): the unit tests include it to check
 * each block against its RFC known answers, below the key derivation where
 * the RFC gives session keys.
 */
#ifndef SDESGATE_SRTP_SG_INTERNAL_H
#define SDESGATE_SRTP_SG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "srtp/sg_srtp.h"

/* Largest packet accepted (a UDP datagram); keeps the AES-CM block counter
 * (16 bits of the IV, RFC 3711 §4.1.1) from ever wrapping. */
#define SG_MAX_PACKET 65536u

/* Big-endian packet fields (RTP and RTCP headers, SRTCP E||index). */
static inline uint16_t sg_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t sg_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void sg_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A step of protect/unprotect shared by both directions: inlined into each,
 * as the code was before it was shared (as calls, callgrind counted 25 to
 * 40 more instructions per packet, ~0.8%, in srtp-bench). */
#define SG_PACKET_STEP static inline __attribute__((always_inline))

/* True when out partly overlaps in: in place (out == in) is fine, a partial
 * overlap is a caller bug that protect and unprotect refuse (BAD_PARAM). */
static inline bool sg_partial_overlap(const uint8_t *in, size_t in_len, const uint8_t *out,
                                      size_t out_cap)
{
    return out != in && out < in + in_len && in < out + out_cap;
}

/* KDF labels, RFC 3711 §4.3.1 and §4.3.2. */
enum {
    SG_LABEL_RTP_ENC = 0,  /* k_e */
    SG_LABEL_RTP_AUTH = 1, /* k_a */
    SG_LABEL_RTP_SALT = 2, /* k_s */
    SG_LABEL_RTCP_ENC = 3,
    SG_LABEL_RTCP_AUTH = 4,
    SG_LABEL_RTCP_SALT = 5,
};

/* ---- kdf.c: the AES-CM PRF of RFC 3711 §4.3.3 (RFC 6188 §6 for 192/256) */

/* A new AES-ECB context keyed with the master key (the PRF's key). */
EVP_CIPHER_CTX *sg_kdf_prf_new(const uint8_t *master_key, size_t key_len);

/* out = PRF_n(k_m, x), x = (label || r) XOR master_salt, r = index DIV kdr
 * as 48 bits for SRTP and SRTCP alike (RFC 3711 erratum 3712, libsrtp).
 * The salt is 14 bytes, or 12 (GCM, RFC 7714 §11: zero-padded on the
 * right to 112 bits, as libsrtp). len <= 64. Returns false on an OpenSSL
 * failure. */
bool sg_kdf(EVP_CIPHER_CTX *prf, const uint8_t *master_salt, size_t salt_len, unsigned label,
            uint64_t r, uint8_t *out, size_t len);

/* ---- cipher_ctr.c: AES in counter mode, RFC 3711 §4.1.1 */

/* The 16-byte IV of §4.1.1: (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16). */
void sg_cm_iv(uint8_t iv[16], const uint8_t *k_s, uint32_t ssrc, uint64_t index);

/* out = in XOR keystream(iv); ecb is an AES-ECB context keyed with k_e.
 * in == out allowed; len < 2^20. */
bool sg_cm_xor(EVP_CIPHER_CTX *ecb, const uint8_t iv[16], const uint8_t *in, uint8_t *out,
               size_t len);

/* ---- cipher_f8.c: AES in f8 mode, RFC 3711 §4.1.2 */

/* ecb_m is keyed with k_e XOR m (m = k_s || 0x55..., §4.1.2.1), ecb with
 * k_e. out = in XOR f8 keystream(iv). in == out allowed. */
bool sg_f8_xor(EVP_CIPHER_CTX *ecb, EVP_CIPHER_CTX *ecb_m, const uint8_t iv[16], const uint8_t *in,
               uint8_t *out, size_t len);

/* k_e XOR m for the f8 IV encryption; m = k_s || 0x5555... to key_len. */
void sg_f8_mask_key(uint8_t *out, const uint8_t *k_e, size_t key_len, const uint8_t *k_s,
                    size_t salt_len);

/* ---- cipher_gcm.c: AES-GCM for SRTP, RFC 7714 §8-§10 */

/* Seal: out = GCM-encrypt(in), tag written to tag[16]. gcm is an AES-GCM
 * context initialised for encryption with k_e. */
bool sg_gcm_seal(EVP_CIPHER_CTX *gcm, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                 const uint8_t *aad2, size_t aad2_len, const uint8_t *in, uint8_t *out, size_t len,
                 uint8_t tag[16]);
/* Open: out = GCM-decrypt(in); returns 1 when the tag verifies, 0 when it
 * does not, -1 on an OpenSSL failure. */
int sg_gcm_open(EVP_CIPHER_CTX *gcm, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                const uint8_t *aad2, size_t aad2_len, const uint8_t *in, uint8_t *out, size_t len,
                const uint8_t tag[16]);

/* ---- auth_hmac.c: HMAC-SHA1 from precomputed pads, RFC 3711 §4.2.1 */

typedef struct sg_hmac {
    SHA_CTX inner; /* after absorbing k_a XOR ipad */
    SHA_CTX outer; /* after absorbing k_a XOR opad */
} sg_hmac;

void sg_hmac_init(sg_hmac *h, const uint8_t *k_a, size_t len);
/* tag = HMAC-SHA1(k_a, a || b) (20 bytes). */
void sg_hmac_tag(const sg_hmac *h, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                 uint8_t tag[20]);
void sg_hmac_wipe(sg_hmac *h);

/* ---- session.c: one set of session keys (SRTP or SRTCP half) */

typedef struct sg_sess {
    EVP_CIPHER_CTX *ecb;   /* AES-CM, F8: AES-ECB keyed with k_e */
    EVP_CIPHER_CTX *ecb_m; /* F8: AES-ECB keyed with k_e XOR m */
    EVP_CIPHER_CTX *gcm;   /* GCM: keyed with k_e, direction fixed */
    sg_hmac hmac;          /* HMAC suites: k_a */
    uint8_t k_s[SG_SRTP_MAX_SALT_LEN];
    /* Which (master key generation, r) these keys were derived for: the
     * per-stream cache used with a key derivation rate. gen 0 = none. */
    uint32_t gen;
    uint64_t r;
} sg_sess;

/* Allocates the cipher contexts the suite needs (no key yet). */
bool sg_sess_alloc(sg_sess *s, const sg_suite *suite, sg_srtp_dir dir);
/* Keys the session from raw session keys (k_a may be NULL for GCM). */
bool sg_sess_set(sg_sess *s, const sg_suite *suite, const uint8_t *k_e, const uint8_t *k_a,
                 const uint8_t *k_s);
/* Derives and sets the session keys for SRTP (rtcp false, labels 0-2) or
 * SRTCP (labels 3-5) with this r (RFC 3711 §4.3.1). Stack copies wiped. */
bool sg_sess_derive(sg_sess *s, const sg_suite *suite, EVP_CIPHER_CTX *prf,
                    const uint8_t *master_salt, bool rtcp, uint64_t r);
/* Wipes the keys and frees the contexts. */
void sg_sess_free(sg_sess *s);

/* ---- replay.c: sliding replay window, RFC 3711 §3.3.2 */

typedef struct sg_replay {
    uint64_t hi;    /* highest index accepted */
    uint64_t *bits; /* ring of `words` 64-bit words: bit (i mod 64*words) */
    bool init;      /* hi is valid */
} sg_replay;

/* SG_OK, SG_REPLAY or SG_REPLAY_OLD for index idx; never changes r. */
sg_status sg_replay_check(const sg_replay *r, uint32_t window, uint32_t words, uint64_t idx);
/* Records idx as received (call only after authentication). */
void sg_replay_commit(sg_replay *r, uint32_t words, uint64_t idx);

/* ---- context layout (context.c, keys.c, stream.c, srtp.c, srtcp.c) */

typedef struct sg_mkey {
    bool used;
    uint32_t gen; /* order of adding; 0 = empty */
    uint8_t master_salt[SG_SRTP_MAX_SALT_LEN];
    uint8_t fingerprint[4];
    EVP_CIPHER_CTX *prf;            /* keyed with master_key; kdr > 0 only */
    uint64_t lifetime;              /* as configured (capped) */
    uint64_t life_srtp, life_srtcp; /* caps per protocol, §9.2 */
    uint64_t used_srtp, used_srtcp;
    bool soft_sent;
    sg_sess rtp, rtcp; /* session keys when kdr == 0 */
    uint8_t mki[];     /* the context's mki_len bytes, allocated with the key */
} sg_mkey;

typedef struct sg_stream {
    bool used;
    uint32_t ssrc;
    uint64_t last_use;  /* ctx->clock at the last good packet (LRU) */
    uint32_t roc_start; /* ROC for the first packet (sg_srtp_set_roc) */
    uint32_t rtp_gen;   /* master key of the last SRTP packet (ROC policy) */
    sg_replay rtp;      /* SRTP: hi = highest index, ROC = hi >> 16 */
    sg_replay rtcp;     /* SRTCP receive: replay; send: hi = next index */
    sg_sess *kdr_rtp;   /* per-stream session keys when kdr > 0 */
    sg_sess *kdr_rtcp;
} sg_stream;

struct sg_srtp_ctx {
    sg_srtp_params p;
    const sg_suite *suite;
    uint32_t window; /* replay window, packets */
    uint32_t words;  /* 64-bit words per window ring */
    uint32_t next_gen;
    int cur; /* send key slot, -1 = none */
    uint32_t events;
    uint64_t clock; /* counts good packets: stream LRU order */
    /* The master key table: a slot is allocated when a key is added and
     * freed when it is retired, so a context costs what its keys need (a
     * key with its session keys is ~2.7 KiB; a table of 16 would be
     * 43 KiB, most of a call). NULL = free slot. */
    sg_mkey *keys[SG_SRTP_MAX_KEYS];
    uint16_t nstreams;
    uint16_t last_stream; /* lookup hint */
    sg_stream *streams;
    uint64_t *bits;       /* all replay rings */
    sg_sess *kdr_sess;    /* 2 * nstreams sessions when kdr > 0 */
    uint32_t srtcp_floor; /* first SRTCP index of a new stream (resume.c) */
};

/* srtp.c: the cipher and tag of one SRTP packet with session keys s, once
 * header length, payload length and index are known: enc encrypts in ->
 * out and writes the tag (full 20 / 16 bytes) to tag_out; !enc checks
 * tag_in (AUTH_FAIL) and decrypts. Tests drive it with RFC session keys. */
sg_status sg_srtp_transform(const sg_srtp_ctx *ctx, sg_sess *s, bool enc, const uint8_t *in,
                            uint8_t *out, size_t hdr_len, size_t pay_len, uint64_t index,
                            const uint8_t *tag_in, uint8_t *tag_out);
/* srtcp.c: the same for SRTCP: len bytes of RTCP, E flag and 31-bit index. */
sg_status sg_srtcp_transform(const sg_srtp_ctx *ctx, sg_sess *s, bool enc, const uint8_t *in,
                             uint8_t *out, size_t len, bool e_flag, uint32_t index,
                             const uint8_t *tag_in, uint8_t *tag_out);

/* keys.c */
int sg_key_by_mki(const sg_srtp_ctx *ctx, const uint8_t *mki);
void sg_key_wipe(sg_mkey *k, size_t mki_len);
/* Wipes and frees key slot i (NULL afterwards). */
void sg_key_free(sg_srtp_ctx *ctx, int i);
/* The send key for a protect of SRTP or SRTCP (rtcp): the current key, or
 * when it has no lifetime left the next later key that has (RFC 3711 §9.2).
 * Nothing is committed: a slot other than ctx->cur means a switch.
 * Errors: NO_KEY, KEY_EXPIRED. */
sg_status sg_key_for_send(const sg_srtp_ctx *ctx, bool rtcp, int *slot);
/* sg_key_for_send for an actual protect: when no key has life left it also
 * raises SG_EV_EXHAUSTED, so the control plane hears why sending stopped. */
static inline sg_status sg_key_pick_send(sg_srtp_ctx *ctx, bool rtcp, int *slot)
{
    sg_status st = sg_key_for_send(ctx, rtcp, slot);
    if (st == SG_KEY_EXPIRED)
        ctx->events |= SG_EV_EXHAUSTED;
    return st;
}
/* The key of a received SRTP or SRTCP (rtcp) packet: by its MKI (the
 * context's mki_len bytes at mki) when the context uses MKIs, else the
 * current key. Errors: UNKNOWN_MKI, NO_KEY, KEY_EXPIRED (no lifetime left
 * for this protocol, RFC 3711 §9.2). Allocation-free, commits nothing;
 * inline as it runs for every received packet. */
static inline sg_status sg_key_for_recv(const sg_srtp_ctx *ctx, const uint8_t *mki, bool rtcp,
                                        int *slot)
{
    int i;
    if (ctx->p.mki_len) {
        if ((i = sg_key_by_mki(ctx, mki)) < 0)
            return SG_UNKNOWN_MKI;
    } else if ((i = ctx->cur) < 0) {
        return SG_NO_KEY;
    }
    const sg_mkey *k = ctx->keys[i];
    if (rtcp ? k->used_srtcp >= k->life_srtcp : k->used_srtp >= k->life_srtp)
        return SG_KEY_EXPIRED;
    *slot = i;
    return SG_OK;
}
/* Counts one packet on key slot after success; raises events. */
void sg_key_count(sg_srtp_ctx *ctx, int slot, bool rtcp);

/* stream.c */
/* The stream of ssrc (*fresh false), or the slot a new stream would take
 * (*fresh true): a free one, or with evict_lru the least recently used.
 * A fresh slot is not touched: callers read it as an empty stream and
 * claim it only when the packet succeeded. */
sg_status sg_stream_find(sg_srtp_ctx *ctx, uint32_t ssrc, sg_stream **st, bool *fresh);
/* Makes st the (empty) stream of ssrc, replacing whatever it held. */
void sg_stream_claim(sg_srtp_ctx *ctx, sg_stream *st, uint32_t ssrc);
/* Marks st used now (LRU order). */
static inline void sg_stream_touch(sg_srtp_ctx *ctx, sg_stream *st)
{
    st->last_use = ++ctx->clock;
}
/* After a packet succeeded: claims the fresh slot for ssrc, or marks the
 * known stream used (the commit step both SRTP and SRTCP share). */
static inline void sg_stream_settle(sg_srtp_ctx *ctx, sg_stream *st, bool fresh, uint32_t ssrc)
{
    if (fresh)
        sg_stream_claim(ctx, st, ssrc);
    else
        sg_stream_touch(ctx, st);
}
/* RFC 3711 Appendix A: the index of seq given the stream's s_l and ROC.
 * false when the estimate would need ROC - 1 < 0. */
bool sg_stream_estimate(const sg_replay *r, uint32_t roc_start, uint16_t seq, uint64_t *index);
/* The session keys for a packet: the key's own (kdr == 0) or the stream's,
 * re-derived when r = index DIV 2^kdr changed (RFC 3711 §4.3.1). */
sg_sess *sg_stream_session(sg_srtp_ctx *ctx, sg_stream *st, int slot, bool rtcp, uint64_t index,
                           sg_status *err);

#endif
