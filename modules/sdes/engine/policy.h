/*
 * modules/sdes/engine/policy.h — the encryption policy the edge enforces per call
 * or per route (use case 2, cfg/edge-policy.cfg), and how new keys are generated.
 *
 * Text form (sdes-sdp --policy, Kamailio module parameters): items separated
 * by ',' (no spaces), lists inside an item by ':':
 *
 *   srtp=off|optional|require          SRTP on the secure leg (default optional)
 *   suites=NAME:NAME:...               allowed suites, preference order
 *   min-key=BITS                       minimum master key length (128/192/256)
 *   min-tag=BITS                       minimum SRTP auth tag length (32/80/128)
 *   forbid=unencrypted:unauthenticated forbid UNENCRYPTED_SRTP/SRTCP and/or
 *                                      UNAUTHENTICATED_SRTP (default: both)
 *   allow=unencrypted:unauthenticated  lift the default prohibition
 *   mki=any|require|forbid             MKI on offered keys (default any)
 *   max-lifetime=N|2^N                 strip keys with a longer stated lifetime
 *   offer-max=N                        suites offered in generated offers (1..4)
 *   gen-mki=LEN                        MKI length of generated keys, 0..4 bytes
 *   gen-mki-use=peer|always            peer (default): an MKI only toward a
 *                                      peer whose own a=crypto carried one
 *                                      (most phones have no MKI support);
 *                                      always: on every key we generate
 *   gen-lifetime=N|2^N                 lifetime written on generated keys
 *   gen-keys=N                         keys per generated a=crypto line (1..4;
 *                                      > 1 needs gen-mki >= 1)
 *   roc=keep|reset                     ROC on rekey (relay setting)
 *   nomki=change|keep                  a rekey toward a peer our keys carry
 *                                      no MKI to: change (default) gives it a
 *                                      new key, a plain key change (RFC 4568
 *                                      §7.1.4); keep leaves its key as it is
 *                                      (phones that never re-key, baresip 1.0)
 *
 * Defaults: srtp=optional, suites=AES_CM_128_HMAC_SHA1_80:AES_CM_128_HMAC_SHA1_32:
 * AES_256_CM_HMAC_SHA1_80:AES_256_CM_HMAC_SHA1_32:AES_192_CM_HMAC_SHA1_80:
 * AES_192_CM_HMAC_SHA1_32:AEAD_AES_128_GCM:AEAD_AES_256_GCM (F8 only when
 * listed), no minimum, forbid=unencrypted:unauthenticated, mki=any, no
 * lifetime cap, offer-max=2, gen-mki=0, gen-mki-use=peer, no gen-lifetime, gen-keys=1, roc=keep,
 * nomki=change.
 */
#ifndef SDESGATE_SDES_POLICY_H
#define SDESGATE_SDES_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto_attr/crypto_attr.h"
#include "srtp/sg_srtp.h"

#define SDES_MAX_OFFER_LINES 4 /* generated a=crypto lines per m= line */
#define SDES_MAX_DIR_KEYS    4 /* keys per direction the engine hands on */
#define SDES_MAX_GEN_MKI     4

typedef enum sdes_srtp_level {
    SDES_SRTP_OFF = 0,
    SDES_SRTP_OPTIONAL,
    SDES_SRTP_REQUIRE,
} sdes_srtp_level;

typedef enum sdes_mki_rule {
    SDES_MKI_ANY = 0,
    SDES_MKI_REQUIRE,
    SDES_MKI_FORBID,
} sdes_mki_rule;

/* Toward which peers our keys carry the gen-mki MKI (RFC 4568 §6.1: the
 * MKI is optional, and a receiver without MKI support fails every packet
 * that carries one). */
typedef enum sdes_mki_use {
    SDES_MKI_USE_PEER = 0, /* only toward a peer whose last a=crypto had one */
    SDES_MKI_USE_ALWAYS,
} sdes_mki_use;

typedef struct sdes_policy {
    sdes_srtp_level srtp;
    uint8_t n_suites;
    sg_suite_id suites[SG_SUITE_COUNT]; /* allowed, in preference order */
    uint16_t min_key_bits;
    uint16_t min_tag_bits;
    bool forbid_unencrypted;     /* UNENCRYPTED_SRTP / UNENCRYPTED_SRTCP */
    bool forbid_unauthenticated; /* UNAUTHENTICATED_SRTP */
    sdes_mki_rule mki;
    uint64_t max_lifetime; /* 0 = no cap */
    uint8_t offer_max;     /* 1..SDES_MAX_OFFER_LINES */
    uint8_t gen_mki_len;   /* 0..SDES_MAX_GEN_MKI */
    sdes_mki_use gen_mki_use;
    uint64_t gen_lifetime;    /* 0 = not written */
    uint8_t gen_lifetime_exp; /* n when gen_lifetime was 2^n */
    uint8_t gen_keys;         /* 1..SDES_MAX_DIR_KEYS */
    sg_roc_policy roc;
    bool nomki_keep; /* nomki=keep */
} sdes_policy;

void sdes_policy_default(sdes_policy *p);

/* Applies a text policy on top of *p (start from sdes_policy_default()).
 * Returns 0, or -1 with a one-line reason in err. */
int sdes_policy_parse(const char *text, sdes_policy *p, char *err, size_t errlen);

/* Writes the policy in its text form (for logs and golden files). */
void sdes_policy_format(const sdes_policy *p, char *buf, size_t cap);

/* Rank of a suite in the allowed list (0 = most preferred), -1 if not
 * allowed. */
int sdes_policy_rank(const sdes_policy *p, const sg_suite *suite);

/* Checks one parsed, usable attribute against the policy. Returns NULL when
 * acceptable, else a constant reason ("suite not allowed by policy", ...). */
const char *sdes_policy_check(const sdes_policy *p, const sdes_crypto_attr *a);

/* Whether keys we generate toward a peer carry an MKI: gen-mki set, and
 * the peer's own last keys (peer_mki_len, 0 = none or not known yet) used
 * one, unless gen-mki-use=always or mki=require (then the peer must use
 * MKIs itself). */
bool sdes_policy_mki_toward(const sdes_policy *p, uint8_t peer_mki_len);

/* Whether a rekey gives a peer a new key: always when our keys toward it
 * carry an MKI (the switch can be hitless), else unless nomki=keep (a
 * plain key change, which a peer that never re-keys cannot follow). */
bool sdes_policy_rekey_toward(const sdes_policy *p, uint8_t peer_mki_len);

#endif
