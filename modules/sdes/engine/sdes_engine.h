/*
 * modules/sdes/engine/sdes_engine.h — the Kamailio-free SDES engine: one call per
 * SDP that crosses the edge (RFC 4568 §7 offer/answer over RFC 3264).
 *
 * Legs: A is the leg that sent the offer, B the leg the offer goes to.
 *   sdes_offer():  A's offer in, the offer for B out (+ state for the answer)
 *   sdes_answer(): B's answer in, the answer for A out (+ complete keys)
 *
 * Modes (chosen by the caller per call):
 *   ENCRYPT     A plain (RTP/AVP), B SRTP: B is offered RTP/SAVP with fresh
 *               keys, one a=crypto per policy suite (up to offer-max); B's
 *               answer crypto is taken; A gets a plain RTP/AVP answer.
 *   DECRYPT     A SRTP (RTP/SAVP, or RTP/AVP + a=crypto = OSRTP), B plain: the
 *               best acceptable A crypto (policy order) is chosen, B gets
 *               RTP/AVP without a=crypto, A's answer carries the chosen tag and
 *               suite with a fresh key of ours.
 *   REKEY       SRTP on both legs, each leg with its own fresh keys; nothing
 *               end to end crosses the edge.
 *   PASSTHROUGH a=crypto lines pass unchanged (weak ones stripped by policy);
 *               only addresses/ports change; the relay forwards SRTP as is.
 *   OSRTP       like ENCRYPT, but B is offered RTP/AVP + a=crypto (RFC 8643,
 *               best effort): B may answer with or without a=crypto.
 *
 * Policy srtp=off: no SRTP on either leg; a=crypto is removed and an offer
 * that needs SRTP (RTP/SAVP) is rejected. srtp=require: a stream that would
 * end up plain on the secure leg rejects the SDP. Rejections are whole-SDP:
 * a code (sdes_rej) and a one-line reason for a 488; never a partial body.
 *
 * Bodies: one SDP, or a multipart body (RFC 2046, RFC 5621; e.g. SDP + ISUP)
 * whose single application/sdp part is rewritten in place, every other byte
 * of the body kept.
 *
 * Streams the engine does not touch: port 0 (disabled, kept byte for byte),
 * m= lines whose proto is not RTP/AVP, RTP/SAVP, RTP/AVPF or RTP/SAVPF (e.g.
 * UDP/TLS/RTP/SAVPF, udptl). Hold (a=sendonly/inactive, c=0.0.0.0) keeps the
 * keys and the c= address.
 *
 * Re-offers: pass the state of the previous exchange back in (phase 2). If
 * the peer then rejects the re-offer (4xx/491, no answer), the caller puts
 * back the state it had before sdes_offer() (keep the packed bytes): the
 * engine cannot see the rejection, and the relay still runs the old keys.
 * An unchanged
 * stream (same media type, still active) keeps its keys — the accepted tag,
 * suite and keys are offered again; `rekey` asks for new keys (with the next
 * MKI when MKIs are generated) on every active stream that is not on hold.
 * Added m= lines get fresh keys; removed ones (port 0) are wiped from state.
 *
 * Addresses: the caller passes, per m= line, the relay address and port to
 * write into this SDP (the relay allocates them; an empty address means
 * "leave this m= line's address and port alone"). When a stream is
 * relayed, no address of the SDP's author is left for the streams the
 * relay carries (the author may sit on another network, docs/sdes-module.md
 * "What is stripped"): c=, the m= port, a=rtcp (port and any address, on
 * hold too) and the o= origin address with its address type (IN IP4 / IN
 * IP6) get the relay's; unless cfg->keep_ice, the ICE attributes
 * (a=candidate, a=ice-* such as ice-ufrag/-pwd/-options/-lite/-mismatch/
 * -pacing, a=end-of-candidates, a=remote-candidates, RFC 8839) and
 * RFC 6947's a=altc alternative addresses are removed at session level and
 * in relayed m= sections (the relay answers no ICE check, and peers must
 * not try to reach each other around it). Streams the engine does not
 * relay keep their lines, unless cfg->isolate says the two legs are on
 * different networks (srtpd interfaces): then such a stream could not
 * work across and would show its author's address, so it leaves disabled,
 * its m= line with port 0 and nothing else of its section (RFC 3264
 * §8.2), and the peer answers it with port 0.
 *
 * Keys: from RAND_bytes; every struct holding keys is wiped with
 * OPENSSL_cleanse by sdes_result_free() / sdes_state_wipe(). Nothing here
 * logs. The output body carries real keys (it goes to the peer); print it
 * with sdes_mask_keys() for humans.
 */
#ifndef SDESGATE_SDES_ENGINE_H
#define SDESGATE_SDES_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto_attr/crypto_attr.h"
#include "sdes/engine/policy.h"
#include "sdes/engine/sdp.h"

typedef enum sdes_mode {
    SDES_MODE_ENCRYPT = 0,
    SDES_MODE_DECRYPT,
    SDES_MODE_REKEY,
    SDES_MODE_PASSTHROUGH,
    SDES_MODE_OSRTP,
} sdes_mode;

/* "encrypt" etc.; -1 when unknown. */
int sdes_mode_from_name(const char *name);
const char *sdes_mode_name(sdes_mode m);

/* Rejection codes: one X-macro list for the enum, names and reasons.
 * Stable numbers; the Kamailio glue maps them to negative return codes. */
/* clang-format off */ /* a table: one aligned row per entry */
#define SDES_REJ_MAP(X)                                                            \
    X(OK,                   0, "ok")                                               \
    X(BAD_PARAM,            1, "bad parameter")                                    \
    X(TOO_LARGE,            2, "SDP body larger than 64 KiB")                      \
    X(MULTIPART,            3, "multipart body not usable (malformed, or several SDP parts)") \
    X(NOT_SDP,              4, "body is not SDP")                                  \
    X(MALFORMED,            5, "malformed SDP")                                    \
    X(TOO_MANY_MEDIA,       6, "too many m= lines")                                \
    X(TOO_MANY_CRYPTO,      7, "too many a=crypto lines in one m= section")        \
    X(NO_ACCEPTABLE_CRYPTO, 8, "no acceptable a=crypto")                           \
    X(SRTP_REQUIRED,        9, "plain RTP but the policy requires SRTP")           \
    X(SRTP_FORBIDDEN,      10, "SRTP offered but the policy has srtp=off")         \
    X(MODE_MISMATCH,       11, "SDP does not fit the mode")                        \
    X(NO_STATE,            12, "answer without a matching offer state")            \
    X(ANSWER_MEDIA,        13, "answer m= lines do not match the offer")           \
    X(ANSWER_NO_CRYPTO,    14, "answer has no a=crypto for an SRTP offer")         \
    X(ANSWER_MULTI_CRYPTO, 15, "answer has more than one a=crypto")                \
    X(ANSWER_UNOFFERED_TAG,16, "answer a=crypto names a tag that was not offered") \
    X(ANSWER_SUITE,        17, "answer a=crypto suite differs from the offered tag") \
    X(ANSWER_BAD_CRYPTO,   18, "answer a=crypto is invalid")                       \
    X(ANSWER_UNEXPECTED,   19, "answer has a=crypto but none was offered")         \
    X(ANSWER_POLICY,       20, "answer a=crypto not acceptable by policy")         \
    X(RANDOM,              21, "random number generator failed")                  \
    X(ALLOC,               22, "out of memory")
/* clang-format on */

typedef enum sdes_rej {
#define SDES_REJ_ENUM_(n, num, t) SDES_REJ_##n = num,
    SDES_REJ_MAP(SDES_REJ_ENUM_)
#undef SDES_REJ_ENUM_
} sdes_rej;

const char *sdes_rej_str(sdes_rej r);  /* reason text */
const char *sdes_rej_name(sdes_rej r); /* "NO_ACCEPTABLE_CRYPTO" */

/* Where the relay listens, per m= line of the SDP being written. */
typedef struct sdes_relay {
    char addr[46];      /* IPv4 or IPv6 literal; "" = leave this m= alone */
    uint16_t port;      /* RTP port */
    uint16_t rtcp_port; /* srtpd's: 0 = port + 1 (or port with a=rtcp-mux);
                         * == port: the leg multiplexes now */
} sdes_relay;

/* One direction's SRTP parameters: exactly what the control protocol
 * carries for one sg_srtp context. srtp == false: plain RTP. */
typedef struct sdes_keyset {
    bool srtp;
    sg_suite_id suite;
    uint32_t tag; /* the a=crypto tag the keys came from */
    uint8_t n_keys;
    sdes_key_param keys[SDES_MAX_DIR_KEYS]; /* key||salt, lifetime, MKI.
                                   * keys[0] is the key to protect with; the
                                   * others are accepted by MKI on receive. A
                                   * rekey with MKIs lists the new key first and
                                   * the previous one after it (hitless). */
    uint8_t kdr;                            /* 0 = no KDR */
    bool unencrypted_srtp, unencrypted_srtcp, unauthenticated_srtp;
    uint32_t wsh; /* 0 = default window */
} sdes_keyset;

typedef enum sdes_media_state {
    SDES_MEDIA_UNTOUCHED = 0, /* not RTP we handle: kept byte for byte */
    SDES_MEDIA_DISABLED,      /* port 0 */
    SDES_MEDIA_PLAIN,         /* relayed, plain RTP on both legs */
    SDES_MEDIA_SRTP,          /* relayed, SRTP on at least one leg */
    SDES_MEDIA_PASSTHROUGH,   /* relayed, SRTP forwarded opaque */
} sdes_media_state;

/* Per m= line result. Legs: A = offerer, B = answerer. rx = what the relay
 * receives from that leg (the leg's own a=crypto), tx = what the relay sends
 * to it (the a=crypto the engine wrote toward it). After sdes_offer(), b_rx
 * is not known yet (srtp false). */
typedef struct sdes_media_result {
    sdes_media_state state;
    char media[16];     /* "audio", "video", ... */
    sdes_relay relay;   /* written into this SDP */
    char peer_addr[46]; /* the SDP author's media address */
    uint16_t peer_port, peer_rtcp_port;
    bool rtcp_mux;
    bool hold;
    bool rekeyed;      /* new keys on a re-offer */
    sg_roc_policy roc; /* policy roc=, for rekeys */
    sdes_keyset a_rx, a_tx, b_rx, b_tx;
} sdes_media_result;

#define SDES_REASON_LEN 256
#define SDES_NOTES_LEN  1024

typedef struct sdes_result {
    sdes_rej code;
    char reason[SDES_REASON_LEN]; /* "NO_ACCEPTABLE_CRYPTO: m=0 ..." one line */
    char *body;                   /* malloc'd CRLF SDP; NULL when rejected */
    size_t body_len;
    char notes[SDES_NOTES_LEN]; /* "; "-separated: stripped lines and why */
    int n_media;
    sdes_media_result media[SDES_MAX_MEDIA]; /* [0, n_media) are written;
                                  * later entries are left as they were */
} sdes_result;

/* Wipes keys (body included) and frees the body. */
void sdes_result_free(sdes_result *r);

/*
 * State kept from offer to answer, and from one exchange to the next
 * re-offer: a plain struct (no pointers; suites by id), so the glue can copy
 * it into shared memory, a hash table or the relay's call record as bytes.
 * It holds keys: wipe with sdes_state_wipe(). sizeof(sdes_state) is about
 * 100 KiB, but only media[0, n_media) is meaningful: the engine reads and
 * writes nothing else (so a per-call cost does not grow with the array), and
 * sdes_state_pack() writes only that part (typically < 1 KiB).
 */
#define SDES_STATE_VERSION 0x53440001u

typedef struct sdes_state_media {
    uint8_t in_use;           /* the engine handled this m= line */
    uint8_t state;            /* sdes_media_state */
    uint8_t a_proto, b_proto; /* sdes_proto on each leg */
    uint8_t hold;
    uint8_t a_rekey; /* re-offer asked for new keys toward A:
                                   * made at the answer (A's suite known) */
    char media[16];
    uint8_t n_b_offer; /* a=crypto lines written toward B */
    sdes_keyset b_offer[SDES_MAX_OFFER_LINES];
    sdes_keyset a_rx, a_tx, b_rx, b_tx;
} sdes_state_media;

typedef struct sdes_state {
    uint32_t version;  /* SDES_STATE_VERSION once used */
    uint8_t mode;      /* sdes_mode of the last offer */
    uint8_t phase;     /* 0 empty, 1 offer done, 2 answer done */
    uint32_t next_mki; /* next MKI value to generate (>= 1) */
    uint8_t n_media;
    sdes_state_media media[SDES_MAX_MEDIA];
} sdes_state;

/* An empty state (header only; media entries are not touched). */
void sdes_state_init(sdes_state *st);
/* Wipes the whole struct (OPENSSL_cleanse). */
void sdes_state_wipe(sdes_state *st);
/* Wipes the header and media[0, n_media) only: what the engine, unpack,
 * sdes_state_copy() and sdes_state_init() on a zeroed struct ever fill.
 * Costs what the state holds (about 6 KiB per m= line), not its cap. */
void sdes_state_clear(sdes_state *st);
/* *dst = *src for the part that holds something: dst's used part is
 * cleared first, then the header and media[0, n_media) are copied. dst
 * must be a state (zeroed, initialised or used), not uninitialised bytes. */
void sdes_state_copy(sdes_state *dst, const sdes_state *src);
/* Compact byte form of a state; returns bytes written, 0 if cap is too
 * small. sdes_state_unpack() returns false on any inconsistency. */
size_t sdes_state_pack(const sdes_state *st, uint8_t *buf, size_t cap);
bool sdes_state_unpack(const uint8_t *buf, size_t len, sdes_state *st);

typedef struct sdes_config {
    sdes_mode mode;
    const sdes_policy *policy; /* NULL = sdes_policy_default() */
    bool rekey;                /* re-offer: new keys for active streams */
    /* Offers only: the state a first sdes_offer() of the same body, from
     * the same prior state and config, returned. Its keys toward B are
     * written again instead of new ones, so this pass (with the relay's
     * ports) returns the same state, which the caller could store before
     * it knew the ports. A stream whose keys it does not hold is rejected
     * (BAD_PARAM): never a state that differs from the stored one. */
    const sdes_state *keys_from;
    bool keep_ice; /* keep ICE attributes (below); default: strip */
    bool isolate;  /* the legs are on two networks (below) */
} sdes_config;

/*
 * Processes A's offer. relays[i] is for m= line i (n_relays may be smaller
 * than the number of m= lines, or 0 with relays NULL: addresses untouched).
 * *state: an initialised state — fresh (sdes_state_init) for a first offer,
 * or the state after the previous answer for a re-offer; on success it holds
 * what sdes_answer() needs. On rejection *state is unchanged.
 * Returns res->code (also SDES_REJ_OK). Errors: BAD_PARAM, TOO_LARGE,
 * MULTIPART, NOT_SDP, MALFORMED, TOO_MANY_MEDIA, TOO_MANY_CRYPTO,
 * NO_ACCEPTABLE_CRYPTO, SRTP_REQUIRED, SRTP_FORBIDDEN, MODE_MISMATCH, NO_STATE
 * (state not initialised), RANDOM, ALLOC. res->body is NULL on every error.
 */
sdes_rej sdes_offer(const sdes_config *cfg, const char *body, size_t len, const sdes_relay *relays,
                    size_t n_relays, sdes_state *state, sdes_result *res);

/* Processes B's answer to the offer that produced *state; cfg->mode must be
 * the offer's mode. Errors: those of sdes_offer() except MODE_MISMATCH and
 * NO_ACCEPTABLE_CRYPTO, plus NO_STATE (no offer pending, or another mode),
 * ANSWER_MEDIA, ANSWER_NO_CRYPTO, ANSWER_MULTI_CRYPTO, ANSWER_UNOFFERED_TAG,
 * ANSWER_SUITE, ANSWER_BAD_CRYPTO, ANSWER_UNEXPECTED, ANSWER_POLICY. On
 * rejection *state is unchanged (the offer stays pending). */
sdes_rej sdes_answer(const sdes_config *cfg, const char *body, size_t len, const sdes_relay *relays,
                     size_t n_relays, sdes_state *state, sdes_result *res);

/* Renames the RTCP port of the relayed m= lines of res->body (written with
 * relays that had an older rtcp_port) to relays[i].rtcp_port: the a=rtcp
 * line's port, or an a=rtcp line added when the port is not port + 1 (RFC
 * 3605). For the answer toward an offerer whose rtcp-mux the answerer
 * refused: srtpd names that leg's new RTCP port only in its reply to the
 * answer (docs/sdes-module.md "RTCP ports"). Streams whose m= port is not
 * relays[i].port are left alone. *changed when the body changed (the old
 * one is wiped). Errors: MALFORMED (not a body the engine wrote), ALLOC;
 * the body is unchanged then. */
sdes_rej sdes_result_rtcp(sdes_result *res, const sdes_relay *relays, size_t n_relays,
                          bool *changed);

/* Copy of an SDP body with every inline: key replaced by '*' of the same
 * length (MKI and lifetime kept), CRLF kept. malloc'd; NULL on failure. */
char *sdes_mask_keys(const char *body, size_t len);

#endif
