/*
 * rtp/relay/log.h — srtpd's log: one line per event with time and level,
 * to stderr or a file reopened on SIGHUP, and a per-call-site rate limit for
 * anything that can repeat per packet or per message. Never pass key
 * material here: log suites, MKIs and fingerprints only.
 */
#ifndef SDESGATE_RELAY_LOG_H
#define SDESGATE_RELAY_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum { RELAY_LOG_ERR, RELAY_LOG_WARN, RELAY_LOG_INFO, RELAY_LOG_DEBUG } relay_log_level;

/* Every line's message is escaped (relay_log_escape): call-ids and other
 * peer-supplied strings cannot forge lines or drive a terminal. */
/* in[0..n) into out (NUL-terminated, cut short to fit cap): control bytes
 * (< 0x20, 0x7f), backslash, bytes of invalid UTF-8, C1 controls, line
 * separators and bidi overrides become \xNN per byte; valid UTF-8 text
 * stays. Returns the length written. */
size_t relay_log_escape(const char *in, size_t n, char *out, size_t cap);

/* path NULL or "" = stderr. 0 on success. */
int relay_log_open(const char *path);
int relay_log_reopen(void);
void relay_log(relay_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* At most `per_sec` lines per second from one call site; the number of
 * suppressed lines is reported with the next line that passes. */
typedef struct relay_log_limit {
    int64_t window_s;
    int count;
    uint64_t suppressed;
} relay_log_limit;
#define RELAY_LOG_LIMITED(lvl, per_sec, ...) \
    do { \
        static relay_log_limit relay_ll_; \
        if (relay_log_allow(&relay_ll_, per_sec)) \
            relay_log(lvl, __VA_ARGS__); \
    } while (0)
int relay_log_allow(relay_log_limit *l, int per_sec);

#endif
