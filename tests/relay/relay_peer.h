/*
 * tests/relay/relay_peer.h — call-level helpers shared by the srtpd
 * process tests: endpoints (RTP + RTCP sockets, libsrtp2 sender and
 * receiver), a call set up through offer + answer with per-direction keys,
 * one-packet-at-a-time flows checked for payload and order, and control
 * shortcuts. The test program defines `ru_srtpd D` (the daemon under test).
 */
#ifndef SDESGATE_TESTS_RELAY_PEER_H
#define SDESGATE_TESTS_RELAY_PEER_H

#include "tests/relay/relay_util.h"

extern ru_srtpd D;
extern unsigned seed_base;

typedef struct ep {
    int rtp, rtcp;
    uint16_t prtp, prtcp;
    srtp_t tx, rx;
    bool srtp;
} ep;

typedef struct tcall {
    char id[48];
    const sg_suite *s;
    ep A, B;
    uint16_t a_port, b_port; /* srtpd's local RTP ports for leg a and leg b */
    unsigned mki_len;
} tcall;

void ep_open(ep *e, bool srtp);
void ep_close(ep *e);
/* offer (leg a complete, leg b transport only), then answer (leg b). Keys:
 * seed_base+1 A->srtpd, +2 srtpd->A, +3 B->srtpd, +4 srtpd->B. */
bool call_setup(tcall *c, const sg_suite *s, bool a_srtp, bool b_srtp, unsigned mki_len);
void call_teardown(tcall *c);
/* For a rekey by MKI: endpoint A of a call set up with mki_len 2 (ab: the
 * call's seed_base) sends and receives with both its keys, the first (MKI
 * 1) and the next (seeds ab+101 A->srtpd, ab+102 srtpd->A; MKI 2). false
 * when libsrtp2 refused them. */
bool call_a_two_keys(tcall *c, const sg_suite *s, unsigned ab);
/* A command with an optional call-id. */
const ctl_be *cmd_call(const char *cmd, const char *id);
/* Only error lines and fingerprints may appear in srtpd's log, never key
 * bytes: looks for the hex form of every test key (seeds up to
 * seed_base + 20) in the log file at path; false, with why, when one is
 * there or the log is empty or unreadable. */
bool log_has_no_key(const char *path, char *why, size_t cap);
/* A request on the call's sdes-state (the compare-and-swap tests): cmd
 * for id with sdes-state st[0..stlen) (st NULL: none), if-version ifv
 * (< 0: none) or ifv_text (the integer as text; NULL: none) and, when
 * with_stream, streams [{"index": 0}] (plus leg b's peer for an answer). */
const ctl_be *state_req(const char *cmd, const char *id, const void *st, size_t stlen, int64_t ifv,
                        const char *ifv_text, bool with_stream);
/* n RTP packets through srtpd one at a time; returns how many arrived
 * intact and in order (mki_index >= 0: libsrtp2 sends with that key). */
int flow(const ep *from, uint16_t to_port, const ep *to, uint32_t ssrc, uint16_t seq0, int n,
         int mki_index);
int flow_nomki(const ep *from, uint16_t to_port, const ep *to, uint32_t ssrc, uint16_t seq0, int n);
int flow_rtcp(const ep *from, uint16_t to_port, const ep *to, uint32_t ssrc, int n);
/* One RTCP SR (ssrc, number n) through srtpd, checked byte for byte: from
 * SRTP endpoint `from` (sent on from_fd to srtpd's port to_port; mki_index
 * >= 0: libsrtp2 sends with that key) to plain socket to_fd; and the
 * reverse, from plain from_fd to SRTP endpoint `to` (read on to_fd; mki:
 * libsrtp2 expects an MKI). The fds are given because rtcp-mux puts RTCP
 * on the RTP sockets. */
bool rtcp_srtp_to_plain(const ep *from, int from_fd, uint16_t to_port, int to_fd, uint32_t ssrc,
                        unsigned n, int mki_index);
bool rtcp_plain_to_srtp(int from_fd, uint16_t to_port, const ep *to, int to_fd, uint32_t ssrc,
                        unsigned n, bool mki);
/* rekey on one leg/direction: add (seed, mki) when add_seed >= 0, use,
 * retire (>= 0 each). */
const ctl_be *rekey(const char *id, const char *leg, const char *dir, const sg_suite *s,
                    int add_seed, int add_mki, unsigned mki_len, int use, int retire);
/* The same with "switch-after" ms (docs/protocol.md; after < 0: none): the add is
 * switched to on a later "use", or by srtpd itself after the delay. */
const ctl_be *rekey_after(const char *id, const char *leg, const char *dir, const sg_suite *s,
                          int add_seed, int add_mki, int use, int retire, int64_t after);

#endif
