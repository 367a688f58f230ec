/*
 * tests/e2e/ua_agent.h — what the parts of e2e-ua share: the options, the
 * one SIP socket and media stream of the call, the keys in use, the report
 * helpers and the media loop (ua_agent.c); the caller (ua_uac.c), the
 * callee (ua_uas.c) and main (ua_main.c) build on them.
 */
#ifndef SDESGATE_TESTS_E2E_UA_AGENT_H
#define SDESGATE_TESTS_E2E_UA_AGENT_H

#include <stddef.h>

#include "ua_media.h"
#include "ua_sdp.h"
#include "ua_sip.h"

typedef struct ua_opts {
    int uac;
    int phone; /* role: 1 phone (SRTP), 0 pbx (plain RTP) */
    const char *bind;
    unsigned sip_port;
    const char *port_file;
    const char *to;
    char proxy_host[64];
    unsigned proxy_port;
    const char *suites[UA_MAX_CRYPTO];
    size_t n_suites;
    unsigned mki_len;
    double seconds;
    double min_percent;
    int expect_code;
    const char *offer_file;
    const char *content_type;
    double timeout;
    const char *sdp_out;
    unsigned tamper_every;
    char extra_hdrs[512];   /* --header lines for the INVITE */
    double reinvite_at;     /* re-INVITE this far into the media, 0 = never
                           * (these re-offers work from either side) */
    int rekey;              /* the re-INVITE carries new keys (next MKI) */
    unsigned max_srtp_fail; /* SRTP failures tolerated (a key change without
                           * MKI loses the packets in flight) */
    int no_mki;             /* phone without MKI support (linphone 5.1, baresip):
                           * a peer's MKI is not understood, a new peer key
                           * replaces the old one at once */
    int keep_rx_key;        /* never re-keys (baresip 1.0's srtp module): a new
                           * peer key is ignored, the first one stays */
    int late_offer;         /* uac: INVITE without SDP; offer in 200, answer in ACK */
    double cancel_after;    /* uac: CANCEL this long after the INVITE (once ringing) */
    double ring;            /* uas: 180 Ringing for this long before answering */
    int early_media;        /* uas: ring with 183 + the answer SDP instead of 180 */
    double hold_at;         /* re-INVITE with a=sendonly this far into the media */
    double unhold_at;       /* re-INVITE with a=sendrecv again */
    double update_at;       /* UPDATE (RFC 3311) with the same SDP */
    int reject_reoffer;     /* refuse the peer's first re-offer with this code */
    int expect_reoffer;     /* our first re-offer must get this final code */
    int late_reoffer;       /* the --reinvite-at re-INVITE carries no SDP */
    double ring_delay;      /* uas: wait this long before the 180/183 */
    int ignore_cancel;      /* uas: 200 to CANCEL, then 200 to the INVITE anyway */
    double ack_delay;       /* uac: ACK the 2xx this late (2xx retransmitted) */
    int fail_code;          /* uas: end the ringing with this final code, not 200 */
    double answer_delay;    /* our re-INVITE's 2xx is acted on this late (keys, ACK) */
    double reack_delay;     /* our re-INVITE's 2xx: keys at once, ACK this late */
} ua_opts;

extern ua_opts ua_o;
extern ua_sip ua_sp;
extern ua_media ua_m;
extern char ua_sdp_sent[4096], ua_sdp_recv[4096]; /* our SDP, the peer's */
extern const char *ua_negotiated_suite;
extern ua_crypto ua_tx_key, ua_rx_key; /* keys we protect with / unprotect with */
extern unsigned ua_garbage;            /* unparsable SIP datagrams */
extern unsigned ua_rekeyed;            /* key changes done */
extern unsigned ua_peer_mki;           /* peer a=crypto lines taken that had an MKI */
extern int ua_reinvite_code;           /* final response to the re-INVITE */
extern void (*ua_media_tick)(void);    /* called every turn of the media loop */

double ua_now(void);
void ua_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One report line per SDP, keys masked, CRLF shown as " | ". */
void ua_say_sdp(const char *what, const char *sdp);
/* The report's closing lines; returns the exit status. */
int ua_finish(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Everything intact, nothing forged, at least min_percent arrived. */
int ua_media_ok(char *why, size_t cap);
/* Our SDP for the role (phone: RTP/SAVP with keys[]; pbx: RTP/AVP). */
int ua_build_sdp(char *buf, size_t cap, const ua_crypto *keys, size_t n);
int ua_build_sdp_dir(char *buf, size_t cap, const ua_crypto *keys, size_t n, const char *dir);
int ua_suite_wanted(const char *s);
void ua_new_key(ua_crypto *k, unsigned tag, const char *suite);
/* Same tag and suite, fresh key, MKI + 1 (RFC 4568 §6.1). */
void ua_next_key(ua_crypto *nk, const ua_crypto *cur);
/* rx learns the peer's new key (old kept); tx switches to ours. */
void ua_take_peer_key(ua_crypto *dst, const ua_crypto *src);
int ua_install_rekey(const ua_crypto *peer_new, const ua_crypto *own_new, int switch_tx, char *why,
                     size_t cap);
/* Send a packet per 20 ms for secs, drain, feed SIP to on_sip until
 * `until` or on_sip returns non-zero. */
typedef int (*ua_sip_handler)(osip_message_t *m);
int ua_media_loop(double secs, double until, ua_sip_handler on_sip);

/* The peer's offer for our role: 200 with the keys chosen (phone: an
 * acceptable a=crypto, our own key with its tag) and media set up, or
 * 400/415/488/500 with *reason and why. */
int ua_take_offer(const char *offer, int is_sdp, const char **reason, char *why, size_t cap);
/* The peer's answer to our offer keys[0..n): 1 with media set up, or 0
 * with why. */
int ua_take_answer(const char *ans, int is_sdp, const ua_crypto *keys, size_t n, char *why,
                   size_t cap);

int ua_uac_run(void);
int ua_uas_run(void);

#endif
