/*
 * rtp/relay/log.h — srtpd's log: one line per event with its level, and a
 * per-call-site rate limit for anything that can repeat per packet or per
 * message. Never pass key material here: log suites, MKIs and fingerprints
 * only.
 *
 * Targets (docs/srtpd.md "Logging"):
 *   - stderr read by the journal (systemd sets JOURNAL_STREAM to stderr's
 *     device:inode): "<N>message", N the syslog priority (sd-daemon(3)
 *     prefixes: 3 error, 4 warning, 6 info, 7 debug); journald adds the
 *     time and stores the priority;
 *   - stderr otherwise, or a log file (reopened on SIGHUP for logrotate):
 *     "TIME srtpd LEVEL: message", LEVEL one of ERROR WARN INFO DEBUG;
 *   - syslog(3), facility LOG_DAEMON, ident "srtpd", with the priority.
 * Lines above the current level are dropped before they are formatted.
 * The level may change at run time (control command "log-level"); only
 * the control thread logs, so the level needs no lock.
 */
#ifndef SDESGATE_RELAY_LOG_H
#define SDESGATE_RELAY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { RELAY_LOG_ERR, RELAY_LOG_WARN, RELAY_LOG_INFO, RELAY_LOG_DEBUG } relay_log_level;

/* "error", "warn", "info", "debug" (the config's and the protocol's
 * names). Parse: false for anything else. */
bool relay_log_level_parse(const char *s, relay_log_level *out);
const char *relay_log_level_name(relay_log_level lvl);
/* Lines of a level above lvl are dropped (default RELAY_LOG_INFO). */
void relay_log_set_level(relay_log_level lvl);
relay_log_level relay_log_get_level(void);
/* Whether a line of level lvl would be written. */
bool relay_log_on(relay_log_level lvl);

/* Every line's message is escaped (relay_log_escape): call-ids and other
 * peer-supplied strings cannot forge lines or drive a terminal. */
/* in[0..n) into out (NUL-terminated, cut short to fit cap): control bytes
 * (< 0x20, 0x7f), backslash, bytes of invalid UTF-8, C1 controls, line
 * separators and bidi overrides become \xNN per byte; valid UTF-8 text
 * stays. Returns the length written. */
size_t relay_log_escape(const char *in, size_t n, char *out, size_t cap);

/* path NULL or "" = stderr (the journal's format when stderr is the
 * journal's stream). 0 on success. */
int relay_log_open(const char *path);
/* syslog(3), LOG_DAEMON, ident "srtpd", with the pid. -1 when there is
 * no syslog socket (/dev/log). */
int relay_log_open_syslog(void);
/* What the log goes to: "journal", "stderr", "file" or "syslog". */
const char *relay_log_target(void);
int relay_log_reopen(void);
void relay_log(relay_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* While the calling thread holds the log, its lines wait in the log
 * stream's buffer; releasing (false) writes them, and so does
 * relay_log_flush. srtpd's control thread holds it while it answers a
 * batch of requests and flushes at the end of each request, before its
 * reply: a request's lines (a delete writes one per stream) take one
 * write(2), and whoever reads the reply finds them in the log. */
void relay_log_hold(bool on);
void relay_log_flush(void);

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
        if (relay_log_on(lvl) && relay_log_allow(&relay_ll_, per_sec)) \
            relay_log(lvl, __VA_ARGS__); \
    } while (0)
int relay_log_allow(relay_log_limit *l, int per_sec);

#endif
