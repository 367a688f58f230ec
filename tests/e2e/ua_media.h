/*
 * tests/e2e/ua_media.h — the media side of the test user agents: numbered
 * RTP packets (RFC 3550 §5.1 header, PT 0, 20 ms, 160-byte payload whose
 * bytes are a function of the packet number), optionally protected with
 * libsrtp2 (RFC 3711), and a tally of what arrived: intact, corrupt,
 * duplicated, failed SRTP checks.
 */
#ifndef SDESGATE_TESTS_E2E_UA_MEDIA_H
#define SDESGATE_TESTS_E2E_UA_MEDIA_H

#include <netinet/in.h>
#include <srtp2/srtp.h>
#include <stdint.h>

#include "ua_sdp.h"

#define UA_MEDIA_MAX_PACKETS 8192
#define UA_MEDIA_PAYLOAD     160
#define UA_MEDIA_MKI_SLOTS   8

typedef struct ua_media {
    int fd;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    int have_peer;
    srtp_t tx, rx;      /* NULL for plain RTP */
    int tx_mki, rx_mki; /* keys carry an MKI (RFC 3711 §3.1) */
    unsigned tx_index;  /* which of the tx keys protects (libsrtp2 mki_index) */
    size_t rx_mki_len;
    int rx_tag_len;                        /* AES-CM suites: where the MKI sits; 0 = do not count */
    unsigned mki_seen[UA_MEDIA_MKI_SLOTS]; /* received packets per MKI value */
    unsigned tamper_every;                 /* test hook: corrupt every Nth packet after protect */
    int paused;                            /* on hold: the peer asked us not to send */
    unsigned held_slots;                   /* 20 ms slots skipped while paused */
    uint32_t ssrc;
    uint16_t seq;
    uint32_t ts;
    unsigned sent, recv, intact, corrupt, dup, srtp_fail, other;
    int first, last;
    uint8_t seen[UA_MEDIA_MAX_PACKETS / 8];
} ua_media;

/* Test hook: the first RTP sequence number of every stream this agent
 * opens (0..65535), or -1 for a random one (RFC 3550 §5.1). A start near
 * 65535 makes the stream wrap (ROC 0 -> 1, RFC 3711 §3.3.1) early. */
extern long ua_media_seq_start;

/* Bind a UDP socket on addr:port (port 0: any). Returns 0 or -1 (errno). */
int ua_media_open(ua_media *m, const char *addr, unsigned port);
unsigned ua_media_port(const ua_media *m);
int ua_media_set_peer(ua_media *m, const char *addr, unsigned port);

/* SRTP with libsrtp2: protect with tx_key, unprotect with rx_key (same
 * suite, each side's own key, RFC 4568 §6.1). Returns 0 or -1 with err. */
int ua_media_set_srtp(ua_media *m, const ua_crypto *tx_key, const ua_crypto *rx_key, char *err,
                      size_t errlen);

/* Rekeying (RFC 4568 §7.1.4 re-offer with a new MKI): replace one
 * direction's key table with n keys (all with MKIs) keeping the ROC; for tx,
 * `use` selects the key that protects from now on. Receivers keep the old
 * key in the table so packets in flight still decrypt. Returns 0 or -1. */
int ua_media_update_keys(ua_media *m, int tx, const ua_crypto *keys, size_t n, unsigned use,
                         char *err, size_t errlen);

/* Send packet number sent (then sent++). Returns 0 or -1. */
int ua_media_send(ua_media *m);
/* Read and tally every packet waiting on the socket (non-blocking). */
void ua_media_drain(ua_media *m);
void ua_media_close(ua_media *m);

#endif
