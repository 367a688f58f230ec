/*
 * rtp/srtp/status.h — the status codes of the SRTP/SRTCP library.
 *
 * One X-macro list generates the enum and sg_status_str() so the two cannot
 * drift (libuv's UV_ERRNO_MAP). Numbers are stable: append, never renumber.
 */
#ifndef SDESGATE_SRTP_STATUS_H
#define SDESGATE_SRTP_STATUS_H

/* clang-format off */ /* a table: one aligned row per entry */
#define SG_STATUS_MAP(X)                                                       \
    X(OK,              0, "success")                                           \
    X(BAD_PARAM,       1, "bad parameter")                                     \
    X(ALLOC,           2, "out of memory")                                     \
    X(BUFFER_SMALL,    3, "output buffer too small")                           \
    X(MALFORMED,       4, "malformed or truncated packet")                     \
    X(AUTH_FAIL,       5, "authentication failed")                             \
    X(REPLAY,          6, "replayed packet")                                   \
    X(REPLAY_OLD,      7, "packet older than the replay window")               \
    X(UNKNOWN_MKI,     8, "unknown MKI")                                       \
    X(KEY_EXPIRED,     9, "master key lifetime exhausted")                     \
    X(NO_KEY,         10, "no master key")                                     \
    X(TOO_MANY_KEYS,  11, "master key table full")                             \
    X(DUPLICATE_MKI,  12, "duplicate MKI")                                     \
    X(TOO_MANY_SSRC,  13, "too many SSRCs in this context")                    \
    X(CRYPTO,         14, "crypto library failure")                            \
    X(UNSUPPORTED,    15, "unsupported suite or parameter")                    \
    X(BAD_KEY,        16, "key or salt has the wrong length")
/* clang-format on */

typedef enum sg_status {
#define SG_STATUS_ENUM_(name, num, text) SG_##name = num,
    SG_STATUS_MAP(SG_STATUS_ENUM_)
#undef SG_STATUS_ENUM_
} sg_status;

/* A constant string for every status (never NULL; unknown numbers give
 * "unknown status"). */
const char *sg_status_str(sg_status st);

/* The short name: "AUTH_FAIL" for SG_AUTH_FAIL (for counters and JSON). */
const char *sg_status_name(sg_status st);

#endif
