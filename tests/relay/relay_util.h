/*
 * tests/relay/relay_util.h — helpers for the srtpd process tests: start
 * build/srtpd on free loopback ports (and stop it), send control commands
 * with the real client (rtp/ctl), UDP endpoints, and SRTP endpoints built on
 * libsrtp2 — the independent implementation that checks srtpd's wire
 * format.
 */
#ifndef SDESGATE_TESTS_RELAY_UTIL_H
#define SDESGATE_TESTS_RELAY_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <srtp2/srtp.h>

#include "ctl/bencode.h"
#include "ctl/client.h"
#include "srtp/suite.h"

typedef struct ru_srtpd {
    pid_t pid;
    char ctl[64]; /* control address */
    int port_min, port_max;
    ctl_client *cli;
    char log[128];
    char secret_file[160]; /* "" = none */
} ru_srtpd;

/* Starts srtpd with extra arguments (NULL-terminated), waits for "pong".
 * secret (>= 16 bytes) goes to srtpd in a 0600 --secret-file; NULL starts
 * it with --control-insecure (its UDP control socket unauthenticated). false when it did not come up within 5 s. */
bool ru_srtpd_start(ru_srtpd *d, const char *secret, const char *const *extra);
/* Waits up to 5 s for d's srtpd (d->pid, d->cli) to answer "pong"; false
 * when it exited (d->pid then 0) or did not answer. */
bool ru_srtpd_wait(ru_srtpd *d);
/* A free UDP port and a free even range of n ports on 127.0.0.1. */
int ru_free_port(void);
int ru_free_range(int n);
/* Runs build/srtpctl against d with args, its output (stdout and stderr)
 * into out; its exit status. */
int ru_srtpctl(const ru_srtpd *d, char *out, size_t cap, const char *args);
/* SIGTERM, wait up to 5 s (then SIGKILL); returns the exit status or -1. */
int ru_srtpd_stop(ru_srtpd *d);

/* Sends a request; returns the reply dict (strings point into a static
 * buffer valid until the next call) or NULL. */
const ctl_be *ru_call(ru_srtpd *d, const char *body, size_t len);
/* True: ru_call does not print a refused request's reason (a test that
 * expects many refusals checks them itself). */
extern bool ru_quiet_errors;
extern ctl_be_doc ru_doc;
/* The "result" of a reply is "ok"/"pong". */
bool ru_ok(const ctl_be *r);
/* Follows a path of dict keys / list indexes ("streams.0.a.drops.auth"). */
const ctl_be *ru_path(const ctl_be *r, const char *path);
int64_t ru_int(const ctl_be *r, const char *path);
/* The string at path is want. */
bool ru_str_is(const ctl_be *r, const char *path, const char *want);

/* A UDP socket on 127.0.0.1, any port; *port set. */
int ru_udp(uint16_t *port);
/* Receives one datagram within timeout_ms; length or -1. */
int ru_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms, uint16_t *from_port);
void ru_send(int fd, uint16_t port, const void *p, size_t len);
/* The same on ::1; -1 when IPv6 loopback is not available. */
int ru_udp6(uint16_t *port);
void ru_send6(int fd, uint16_t port, const void *p, size_t len);

/* Key material: key||salt for suite, deterministic from seed. */
void ru_key(const sg_suite *s, unsigned seed, uint8_t *out);

/* A libsrtp2 session (sender when outbound, else receiver) with keys
 * (seeds[i], MKI value mkis[i]) for suite s. mki_len 0 = one key, no MKI. */
srtp_t ru_libsrtp(const sg_suite *s, const unsigned *seeds, const unsigned *mkis, size_t n,
                  unsigned mki_len, bool outbound);

/* The same with one key (seed) and no MKI: the common endpoint. */
srtp_t ru_libsrtp1(const sg_suite *s, unsigned seed, bool outbound);

/* One-stream requests: {"call-id", "command", "streams": [{legs, "index": 0}]}.
 * ru_req_begin opens the stream dict; the caller writes legs "a" and/or "b"
 * (dict keys in bencode order); ru_req_end closes it and sends it to d.
 * cap must hold the whole request. */
void ru_req_begin(ctl_benc *w, char *buf, size_t cap, const char *command, const char *call_id);
const ctl_be *ru_req_end(ru_srtpd *d, ctl_benc *w);
/* Any number of streams: opens the request and its "streams" list; the
 * caller writes each stream dict (legs, then "index") and closes the list
 * and the request with two ctl_benc_end. */
void ru_req_streams(ctl_benc *w, char *buf, size_t cap, const char *command, const char *call_id);
/* Opens the dict of leg name; with address, writes it and (non-zero) port.
 * The caller adds the rest and closes it with ctl_benc_end. */
void ru_leg_begin(ctl_benc *w, const char *name, const char *address, uint16_t port);
/* A leg's crypto with one key each way and no MKI ("recv", "send"). */
void ru_leg_keys(ctl_benc *w, const sg_suite *s, unsigned recv_seed, unsigned send_seed);

/* Writes the crypto dict of a leg direction into w (suite, mki-len, keys). */
void ru_crypto(ctl_benc *w, const char *dir, const sg_suite *s, const unsigned *seeds,
               const unsigned *mkis, const uint64_t *lifetimes, size_t n, unsigned mki_len,
               int64_t soft_limit);

/* An RTP packet: ssrc, seq, 160-byte payload derived from (ssrc, seq). */
size_t ru_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq, size_t payload);
/* True when buf is that packet. */
bool ru_rtp_check(const uint8_t *buf, size_t len, uint32_t ssrc, uint16_t seq, size_t payload);
/* An RTCP SR packet number n. */
size_t ru_rtcp(uint8_t *buf, uint32_t ssrc, unsigned n);

#endif
