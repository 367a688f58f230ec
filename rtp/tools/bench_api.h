/*
 * rtp/tools/bench_api.h — the interface between srtp-bench and its libsrtp2
 * baseline drivers (bench_libsrtp.c).
 *
 * Debian's libsrtp2 (built on NSS) and the same 2.5.0 source built with
 * --enable-openssl export the same srtp_* symbols, so one process cannot
 * link both. bench_libsrtp.c is therefore built twice as a shared object:
 * bench_libsrtp_nss.so links Debian's libsrtp2.so.1, bench_libsrtp_ossl.so
 * contains the OpenSSL build's static archive with every archive symbol made
 * local (-Wl,--exclude-libs,ALL -Wl,-Bsymbolic). Each exports only
 * BENCH_LIBSRTP_SYMBOL, a table of the functions below; srtp-bench dlopen()s
 * both with RTLD_LOCAL and drives them on the same packet buffers in one run.
 *
 * The burst functions are the timed code: a loop over caller-owned packet
 * buffers, one library call per packet, no allocation and no copy (SRTP is
 * done in place, as libsrtp2 requires, for ours too).
 */
#ifndef SDESGATE_TOOLS_BENCH_API_H
#define SDESGATE_TOOLS_BENCH_API_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_LIBSRTP_SYMBOL "bench_libsrtp_api_v1"
#define BENCH_API_ABI        1

typedef struct bench_libsrtp_api {
    int abi;                      /* BENCH_API_ABI */
    const char *(*version)(void); /* libsrtp2's version string */
    const char *backend;          /* "nss" or "openssl" */
    /* A session for the suite (sg_suite_id numbering, rtp/srtp/suite.h) and
     * master key/salt; outbound for protect, inbound for unprotect; NULL
     * when libsrtp2 lacks the suite (F8) or fails. */
    void *(*open)(int suite_id, const uint8_t *key, size_t key_len, const uint8_t *salt,
                  size_t salt_len, int outbound);
    /* Protects n RTP packets in place, each rtp_len bytes before the call;
     * writes sequence number seq0 + i into packet i first (a 2-byte store)
     * so every packet has a new index. Returns the number of failures. */
    size_t (*protect_burst)(void *h, uint8_t *const *pkts, size_t n, size_t rtp_len, uint16_t seq0);
    /* Unprotects n SRTP packets (srtp_len bytes each) in place. Returns the
     * number of failures. */
    size_t (*unprotect_burst)(void *h, uint8_t *const *pkts, size_t n, size_t srtp_len);
    void (*close)(void *h);
} bench_libsrtp_api;

#endif
