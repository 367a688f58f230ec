/*
 * modules/sdes/call/ctlmsg.h — what sdes.so says to srtpd about one call,
 * and what it keeps there (docs/protocol.md): the "streams" list of an
 * offer/answer request made from an SDES engine result (peer addresses,
 * transports, crypto dicts with keys), the relay's local ports read back
 * from a reply (the opaque "sdes-state" blob srtpd keeps with the call is
 * call/callstate.h's). Kamailio-free, so kam_ctlmsg_test drives it. Nothing
 * here logs; the requests hold keys, so callers wipe their buffers.
 */
#ifndef SDESGATE_SDES_CALL_CTLMSG_H
#define SDESGATE_SDES_CALL_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/bencode.h"
#include "sdes/engine/sdes_engine.h"

/* Which parts of a result go into a request (bit set). */
#define SDES_CALL_MSG_A_PEER      0x01u /* leg a: the offerer's address, transport */
#define SDES_CALL_MSG_A_RECV      0x02u /* leg a recv = a_rx (the offerer's keys) */
#define SDES_CALL_MSG_A_SEND      0x04u /* leg a send = a_tx (our keys toward A) */
#define SDES_CALL_MSG_B_PEER      0x08u /* leg b: the answerer's address */
#define SDES_CALL_MSG_B_RECV      0x10u /* leg b recv = b_rx */
#define SDES_CALL_MSG_B_SEND      0x20u /* leg b send = b_tx */
#define SDES_CALL_MSG_B_TRANSPORT 0x40u /* leg b transport from the state */
/* The result is an engine run on a mirrored state (a re-offer from srtpd's
 * leg b side, call/mirror.h): the engine's leg a is written as srtpd's leg
 * "b" and its leg b as "a". The other bits name engine legs. */
#define SDES_CALL_MSG_SWAP 0x80u
/* Leg b "rtcp-mux": 0 when res is an offer without a=rtcp-mux: B may not
 * multiplex then (RFC 5761 §5.1.1), so a leg b that multiplexes leaves
 * it and srtpd names its RTCP port in the reply, before the SDP toward B
 * is written (docs/sdes-module.md "RTCP ports"). */
#define SDES_CALL_MSG_B_MUX_OFF 0x100u
/* Leg a "rtcp-mux" in an answer: leg a's final rtcp-mux, 1 only when it
 * multiplexes now (a_now of sdes_call_msg_streams_mux) and the answer has
 * a=rtcp-mux (RFC 5761 §5.1.1), said rather than left to srtpd. */
#define SDES_CALL_MSG_A_MUX 0x200u

/* srtpd's control protocol carries an MKI value as an integer beside its
 * length (docs/protocol.md "Crypto dict"), so the VALUE must fit in 7 bytes;
 * the length may be anything RFC 4568 §6.1 allows (1..128): devices pad
 * small values (|1:4). An MKI whose value does not fit makes the message
 * builders below fail (no request). */
#define SDES_CALL_MAX_MKI_LEN 7

/* True when kp's MKI (any length 1..128) has a value the protocol carries:
 * every byte before the last SDES_CALL_MAX_MKI_LEN is zero. */
bool sdes_call_mki_fits(const sdes_key_param *kp);

/* Appends "streams": [...] to an open dict for every relayed m= line of res
 * (plain, SRTP or passthrough). Transports: a leg is SRTP when the state
 * says its proto is RTP/SAVP(F) or it has keys in res. Returns the number
 * of streams written (0: nothing relayed; the key is still written), or -1
 * when a key's MKI value does not fit (sdes_call_mki_fits; the request must
 * not be sent). */
int sdes_call_msg_streams(ctl_benc *w, const sdes_result *res, const sdes_state *st, unsigned what);

/* The same, with srtpd's media interface per srtpd leg (if_a for "a",
 * if_b for "b"; NULL or "" leaves it out: srtpd's default for a new leg,
 * unchanged for an existing one). docs/protocol.md "Leg fields". */
int sdes_call_msg_streams_if(ctl_benc *w, const sdes_result *res, const sdes_state *st,
                             unsigned what, const char *if_a, const char *if_b);

/* sdes_call_msg_streams with SDES_CALL_MSG_A_MUX: a_now[i] is engine leg
 * a's local side of stream i now (srtpd's "state" reply,
 * sdes_call_msg_ports); rtcp_port == port there means it multiplexes. */
int sdes_call_msg_streams_mux(ctl_benc *w, const sdes_result *res, const sdes_state *st,
                              unsigned what, const sdes_relay *a_now, size_t n_a);

/* From a reply's "streams", leg 'a' or 'b': the local address and ports per
 * stream index into relays[0, cap). Streams the reply does not list keep
 * an empty address. Returns the highest index + 1 found, or -1 when the
 * reply has no usable "streams" list. */
int sdes_call_msg_ports(const ctl_be_doc *doc, const ctl_be *reply, char leg, sdes_relay *relays,
                        size_t cap);

/* Keeps a peer's previous keys beside its new ones in what the relay
 * receives with: a peer that re-offers (or re-answers) with a new key
 * under a new MKI goes on sending under the old one until the exchange
 * completes (RFC 4568 §7.1.4; the MKI tells the keys apart, RFC 3711
 * §3.1), so the relay must accept both meanwhile. Appends to *k the keys
 * of *old whose MKI *k does not hold, when both are SRTP with the same
 * suite and MKIs of the same non-zero length, up to SDES_MAX_DIR_KEYS.
 * Returns the number of keys appended. */
int sdes_call_keyset_keep_old(sdes_keyset *k, const sdes_keyset *old);

/* True when both key sets are SRTP with the same suite, parameters and
 * keys (key||salt compared with CRYPTO_memcmp, MKIs, lifetimes). A
 * re-offer that leaves a direction's keys alone must not resend them:
 * srtpd would rebuild that context and restart its ROC at 0 (RFC 3711
 * §3.3.1), which breaks the stream once it has wrapped 2^16 packets. */
bool sdes_call_keyset_same(const sdes_keyset *a, const sdes_keyset *b);

/* True when srtpd can move a direction from key set *old to *k with its
 * "rekey" command, which keeps the context's ROC and replay state (RFC 3711
 * §3.3.1: the ROC belongs to the stream, not to the master key): roc is
 * not SG_ROC_RESET, same suite and session parameters, MKIs of one length
 * whose values fit (sdes_call_mki_fits), an MKI in both sets names the same key, and *k
 * brings at least one new MKI. Otherwise the direction is replaced. */
bool sdes_call_keyset_can_rekey(const sdes_keyset *k, const sdes_keyset *old, sg_roc_policy roc);

/* A whole "rekey" request (docs/protocol.md) for stream index, leg 'a'/'b',
 * one direction: add the keys of *k whose MKI *old does not hold; for the
 * send direction also switch to k->keys[0] ("use") and retire the MKIs of
 * *old that *k no longer lists. The receive direction keeps *old's keys:
 * the peer may still send under them (RFC 4568 §7.1.4). Call only when
 * sdes_call_keyset_can_rekey() said yes. Returns 0, or -1 when w overflowed
 * or an MKI does not fit. */
int sdes_call_msg_rekey(ctl_benc *w, const char *cid, size_t cid_len, int index, char leg,
                        bool send, const sdes_keyset *k, const sdes_keyset *old);

/* The same with "switch-after" (send direction only): srtpd adds the keys
 * now and switches (use, retire) when a later "rekey" names the same MKI
 * in "use" or, at the latest, after switch_after_ms (docs/protocol.md). 0 is
 * sdes_call_msg_rekey(): switch at once. */
int sdes_call_msg_rekey_after(ctl_benc *w, const char *cid, size_t cid_len, int index, char leg,
                              bool send, const sdes_keyset *k, const sdes_keyset *old,
                              int switch_after_ms);

/* The MKI value of kp as srtpd's protocol carries it; false when it does
 * not fit (sdes_call_mki_fits). */
bool sdes_call_mki_value(const sdes_key_param *kp, int64_t *out);

/* A whole "update" request that replaces one direction's context of stream
 * index, leg 'a'/'b' with key set *k (a new context: ROC 0, fresh replay
 * window). For directions sdes_call_keyset_can_rekey() refuses, and as the
 * fallback when srtpd refuses a rekey. Returns 0, or -1 (overflow, MKI
 * too long). */
int sdes_call_msg_replace(ctl_benc *w, const char *cid, size_t cid_len, int index, char leg,
                          bool send, const sdes_keyset *k, sg_roc_policy roc);

#endif
