/*
 * modules/sdes/call/flags.h — the flag strings of the sdes.so cfg functions
 * (sdes_offer/answer/delete/check/rekey) and of the default_* module
 * parameters, parsed into one struct. Kamailio-free, so tests drive it.
 *
 * Syntax (documented in docs/sdes-module.md "Flags"):
 *   flags  = item *( WSP item )            items separated by spaces or ';'
 *   item   = "mode=" MODE | "policy=" POLICY | "suites=" SUITE *("," SUITE)
 *          | "mki=" 0..128 | "lifetime=" (N | "2^" E) | "roc=" ("keep"|"reset")
 *          | "keys=" 1..4
 *          | MODE | POLICY                 a bare word names a mode or policy
 *          | "policy-loosen"              replace the call's bound policy (call/bind.h)
 *          | "in-dialog"                  the offer belongs to an existing dialog
 *                                         (a late re-offer in a 2xx): no relay
 *                                         knowing the call is an error
 *   MODE   = encrypt | decrypt | rekey | passthrough | osrtp
 *   POLICY = optional | require | strong
 *   SUITE  = an RFC 4568 / 6188 / 7714 suite name (rtp/srtp/suite.h table)
 * MKI length is in bytes (RFC 4568 §6.1: 1..128; 0 means no MKI); lifetime
 * is in packets, at most 2^48 (RFC 3711 §9.2). keys: master keys generated
 * per a=crypto line we write (RFC 4568 §6.1 allows several inline key
 * params, told apart by MKI), so srtpd holds the next send key before it
 * is needed and `sdes.rekey` can switch to it without a re-INVITE; more
 * than one needs mki >= 1 (the engine refuses otherwise). mki-use: peer
 * (the engine's default) writes the MKI (and several keys) only toward a
 * peer whose own last a=crypto carried an MKI, so phones without MKI
 * support get plain keys; always writes it toward every peer. nomki:
 * what a rekey (sdes_rekey) does toward a peer our keys carry no MKI to:
 * change (the engine's default) gives it a new key, a plain key change in
 * the re-offer/answer; keep leaves its key as it is (a phone that never
 * re-keys, as baresip 1.0: a new key would fail every later packet). A
 * peer keyed with an MKI gets its new key either way. A call property:
 * it is bound with the call's policy (call/bind.h).
 *   item  =/ "mki-use=" ("peer"|"always") | "nomki=" ("change"|"keep")
 * direction: srtpd's media interface per side, in RTPengine's way: given
 * twice, the first names the interface toward the party that sent the
 * offer, the second toward the party it goes to (docs/srtpd.md "Media
 * interfaces"). Bound to the call with its first offer (call/bind.h):
 * re-offers from either side keep each leg on its interface. Two
 * different names make the call one between two networks: streams srtpd
 * does not relay leave disabled (sdes_config.isolate). ice: what
 * happens to ICE attributes (a=candidate, a=ice-*, a=end-of-candidates,
 * a=remote-candidates) of the streams srtpd relays: strip (default) or
 * keep (the peers' candidates pass, for setups that want them end to end).
 *   item  =/ "direction=" NAME | "ice=" ("strip"|"keep")
 *   NAME   = 1..31 of A-Z a-z 0-9 _ . -
 */
#ifndef SDESGATE_SDES_CALL_FLAGS_H
#define SDESGATE_SDES_CALL_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp/suite.h"

typedef enum sdes_call_mode {
    SDES_CALL_MODE_UNSET = 0,
    SDES_CALL_MODE_ENCRYPT,     /* RTP/AVP inside -> RTP/SAVP outside */
    SDES_CALL_MODE_DECRYPT,     /* RTP/SAVP outside -> RTP/AVP inside */
    SDES_CALL_MODE_REKEY,       /* SRTP both sides, new keys per leg */
    SDES_CALL_MODE_PASSTHROUGH, /* leave crypto alone (policy only) */
    SDES_CALL_MODE_OSRTP,       /* opportunistic SRTP: RTP/AVP + a=crypto */
} sdes_call_mode;

typedef enum sdes_call_policy {
    SDES_CALL_POLICY_UNSET = 0,
    SDES_CALL_POLICY_OPTIONAL, /* plain RTP allowed */
    SDES_CALL_POLICY_REQUIRE,  /* an acceptable a=crypto is mandatory */
    SDES_CALL_POLICY_STRONG,   /* require + strong suites only, no UNENCRYPTED_/UNAUTHENTICATED_ */
} sdes_call_policy;

typedef enum sdes_call_roc {
    SDES_CALL_ROC_UNSET = 0,
    SDES_CALL_ROC_KEEP,  /* a new key continues the stream's ROC (RFC 3711 §3.3.1) */
    SDES_CALL_ROC_RESET, /* a new key starts at ROC 0 */
} sdes_call_roc;

typedef enum sdes_call_nomki {
    SDES_CALL_NOMKI_UNSET = 0,
    SDES_CALL_NOMKI_CHANGE, /* a rekey gives a no-MKI peer a new key (plain change) */
    SDES_CALL_NOMKI_KEEP,   /* ... keeps its key (peers that never re-key) */
} sdes_call_nomki;

typedef enum sdes_call_mki_use {
    SDES_CALL_MKI_USE_UNSET = 0,
    SDES_CALL_MKI_USE_PEER,   /* an MKI only toward a peer whose a=crypto had one */
    SDES_CALL_MKI_USE_ALWAYS, /* an MKI on every key we generate */
} sdes_call_mki_use;

/* Which fields a flag string set (so defaults fill only the others). */
#define SDES_CALL_F_MODE      0x01u
#define SDES_CALL_F_POLICY    0x02u
#define SDES_CALL_F_SUITES    0x04u
#define SDES_CALL_F_MKI       0x08u
#define SDES_CALL_F_LIFETIME  0x10u
#define SDES_CALL_F_ROC       0x20u
#define SDES_CALL_F_KEYS      0x40u
#define SDES_CALL_F_LOOSEN    0x80u  /* policy-loosen */
#define SDES_CALL_F_INDIALOG  0x100u /* in-dialog */
#define SDES_CALL_F_MKI_USE   0x200u
#define SDES_CALL_F_NOMKI     0x400u
#define SDES_CALL_F_DIRECTION 0x800u  /* both direction= names */
#define SDES_CALL_F_ICE       0x1000u /* ice= */

#define SDES_CALL_IFNAME_MAX 32 /* srtpd's RELAY_IFACE_NAME_MAX */

#define SDES_CALL_MAX_KEYS 4 /* the engine's SDES_MAX_DIR_KEYS */

#define SDES_CALL_MAX_LIFETIME (UINT64_C(1) << 48)

typedef struct sdes_call_flags {
    unsigned set;   /* SDES_CALL_F_* */
    unsigned given; /* what the flag string itself set (the
                                        * defaults do not touch it): only these
                                        * tighten a call's bound policy */
    sdes_call_mode mode;
    sdes_call_policy policy;
    sg_suite_id suites[SG_SUITE_COUNT]; /* preference order, no duplicates */
    size_t n_suites;
    unsigned mki_len;  /* bytes, 0 = no MKI */
    uint64_t lifetime; /* packets */
    sdes_call_roc roc;
    unsigned keys;             /* keys per a=crypto line we generate */
    sdes_call_mki_use mki_use; /* which peers get the mki= MKI */
    sdes_call_nomki nomki;     /* a rekey toward a peer without MKI */
    /* srtpd interfaces: [0] toward the offerer, [1] toward the party the
     * offer goes to; "" none (srtpd's default). After binding (call/bind.h)
     * they are per srtpd leg: [0] leg a, [1] leg b. */
    char direction[2][SDES_CALL_IFNAME_MAX];
    int n_direction; /* how many direction= the string gave (0 or 2 once parsed) */
    bool keep_ice;   /* ice=keep */
} sdes_call_flags;

/* Parse len bytes of s into *out (cleared first). Returns 0, or -1 with a
 * one-line reason in err (always NUL-terminated when errlen > 0): unknown
 * word, bad value, unknown or repeated suite, out-of-range number, a
 * direction= given once or more than twice, or a bad interface name. */
int sdes_call_flags_parse(const char *s, size_t len, sdes_call_flags *out, char *err,
                          size_t errlen);

/* True when s[0, n) is a valid interface name (1..31 of A-Z a-z 0-9 _ . -). */
bool sdes_call_ifname_ok(const char *s, size_t n);

/* Fill every field not set in *f from *defaults. */
void sdes_call_flags_apply_defaults(sdes_call_flags *f, const sdes_call_flags *defaults);

/* A canonical text form ("mode=encrypt policy=require suites=A,B mki=1
 * lifetime=2^31 roc=keep keys=2 mki-use=peer nomki=keep", only the set fields) for logs and RPC.
 * Returns the length written (truncated to cap-1), buf NUL-terminated. */
size_t sdes_call_flags_format(const sdes_call_flags *f, char *buf, size_t cap);

const char *sdes_call_mode_name(sdes_call_mode m);
const char *sdes_call_policy_name(sdes_call_policy p);

#endif
