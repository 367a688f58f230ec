/*
 * tests/interop/libsrtp_peer.h — the one libsrtp2 SRTP peer of the tests
 * (interop tests here, srtpd process tests in tests/relay): libsrtp2 crypto
 * policies per suite and master-key tables; one description of a crypto
 * setup (suite, MKI, session parameters) turned into both a libsrtp2
 * session and an sdesgate context with the same keys, plus deterministic
 * RTP and RTCP packet builders.
 */
#ifndef SDESGATE_TESTS_LIBSRTP_PEER_H
#define SDESGATE_TESTS_LIBSRTP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>
#include <srtp2/crypto_types.h>

#include "srtp/sg_srtp.h"

#define LSP_MAX_KEYS 4
#define LSP_BUF      2048

typedef struct lsp_setup {
    sg_suite_id suite;
    uint32_t ssrc;
    uint8_t mki_len;       /* 0 = no MKI (then nkeys must be 1) */
    unsigned nkeys;        /* master keys in both tables, 1..LSP_MAX_KEYS */
    bool unencrypted_srtp; /* RFC 4568 §6.3.2 session parameters */
    bool unencrypted_srtcp;
    bool unauthenticated_srtp;
    uint16_t window; /* replay window, both sides (libsrtp2: >= 64) */
    bool any_ssrc;   /* libsrtp2 template (ssrc_any_outbound/inbound)
                             * instead of one ssrc_specific stream */
} lsp_setup;

/* True when libsrtp2's public API has this suite. F8_128_HMAC_SHA1_80 is not
 * there: libsrtp2 2.5 has no F8 cipher type in crypto_types.h and exports no
 * srtp_crypto_policy_set_* for it, so F8 cannot be cross-checked. */
bool lsp_libsrtp_has_suite(sg_suite_id id);

/*
 * NULL when libsrtp2 2.5 (as Debian builds it) interoperates with an RFC
 * implementation of this suite; else why not. AES_192_CM_HMAC_SHA1_80/_32:
 * libsrtp2's key derivation (srtp/srtp.c, srtp_stream_init_keys, without
 * --enable-openssl-kdf) raises kdf_keylen to 46 for every master key+salt
 * longer than 30 bytes, so AES-192 session keys are derived with AES-256 over
 * key||salt||zeros instead of the AES-192 PRF of RFC 6188 §5.2 — both
 * Debian's NSS build and the --enable-openssl build produce packets no
 * RFC 6188 peer accepts (checked: same packet, same keys, different bytes
 * from both builds while AES-128/256 agree byte for byte).
 */
const char *lsp_libsrtp_gap(sg_suite_id id);

/* Both: libsrtp2 has the suite and derives its keys as the RFCs say. */
bool lsp_interop_suite(sg_suite_id id);

/*
 * NULL when libsrtp2 can unprotect SRTCP of this setup; else why not.
 * srtp_unprotect_rtcp_mki() finds the MKI with srtp_get_session_keys(),
 * which steps back over the *RTP* tag length: for the _32 suites the SRTCP
 * tag is 80 bits (RFC 4568 §6.2.1) so libsrtp2 looks for the MKI 6 bytes off
 * and answers bad_mki for every correct packet (its own too).
 */
const char *lsp_libsrtp_srtcp_gap(const lsp_setup *s);

/* Deterministic key material of key number i (different per i). */
void lsp_key(const lsp_setup *s, unsigned i, uint8_t key[32], uint8_t salt[14],
             uint8_t mki[SG_SRTP_MAX_MKI_LEN]);

/* Sets p->rtp and p->rtcp to libsrtp2's crypto policies of suite id (the
 * SRTCP policy of a _32 suite is the _80 one: RFC 4568 §6.2.1). Leaves p
 * alone for a suite libsrtp2 lacks (lsp_libsrtp_has_suite). */
void lsp_policy_suite(sg_suite_id id, srtp_policy_t *p);

/* A libsrtp2 master-key table: n keys (material[i] = key || salt, MKI
 * mki[i] of mki_len bytes), in the form srtp_policy_t points at. */
typedef struct lsp_keytab {
    uint8_t material[LSP_MAX_KEYS][64];
    uint8_t mki[LSP_MAX_KEYS][SG_SRTP_MAX_MKI_LEN];
    srtp_master_key_t mk[LSP_MAX_KEYS];
    srtp_master_key_t *mkp[LSP_MAX_KEYS];
} lsp_keytab;

/* Points p at the first n keys of t (filled by the caller): with mki_len 0
 * the single key material[0], else the MKI table. t must outlive the
 * srtp_create() call; wipe it after (lsp_keytab_wipe). */
void lsp_policy_keys(srtp_policy_t *p, lsp_keytab *t, unsigned n, unsigned mki_len);
void lsp_keytab_wipe(lsp_keytab *t);

/* A libsrtp2 session for s (outbound or inbound). 0 on success, else the
 * srtp_err_status_t (or -1 when libsrtp2 lacks the suite). */
int lsp_libsrtp_new(const lsp_setup *s, bool outbound, srtp_t *out);

/* An sdesgate context for s with all keys added (key 0 is the send key). */
sg_status lsp_ours_new(const lsp_setup *s, sg_srtp_dir dir, sg_srtp_ctx **out);

/* Select key i as ours' send key. */
sg_status lsp_ours_use(const lsp_setup *s, sg_srtp_ctx *ctx, unsigned i);

/* Both implementations, both directions, on one setup: the interop tests'
 * pair of peers. */
typedef struct lsp_peers {
    lsp_setup s;
    sg_srtp_ctx *ours_tx, *ours_rx;
    srtp_t ls_tx, ls_rx;
} lsp_peers;

/* Opens all four from s; -1 when one fails (close p anyway), and then,
 * with why non-NULL, *why says so for the test's failure message. */
int lsp_peers_open(lsp_peers *p, const lsp_setup *s, const char **why);
/* Frees whatever was opened; p is zeroed. */
void lsp_peers_close(lsp_peers *p);

/* An RTP packet into buf (LSP_BUF bytes); variant adds CSRCs (bit 0), a
 * header extension (bit 1), padding (bit 2). Returns the length. */
size_t lsp_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq, uint32_t ts, size_t payload_len,
               unsigned variant);

/* A compound RTCP packet (SR + SDES CNAME) numbered n. Returns the length. */
size_t lsp_rtcp(uint8_t *buf, uint32_t ssrc, unsigned n);

/* Tiny deterministic PRNG for shuffles (xorshift32). */
uint32_t lsp_rand(uint32_t *state);

#endif
