/*
 * rtp/relay/log.c — log lines with peer-supplied bytes escaped, the level
 * filter, the targets (journal, stderr, file, syslog), SIGHUP reopen (for
 * logrotate), per-call-site rate limiting (see log.h).
 */
#include "relay/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

typedef enum { RELAY_TO_STDERR, RELAY_TO_JOURNAL, RELAY_TO_FILE, RELAY_TO_SYSLOG } relay_log_to;

static FILE *relay_log_fp;
static char relay_log_path[256];
static relay_log_to relay_log_dest = RELAY_TO_STDERR;
static relay_log_level relay_log_max = RELAY_LOG_INFO;
static _Thread_local bool relay_log_held; /* relay_log_hold */

static const char *const relay_level_names[] = {"error", "warn", "info", "debug"};

bool relay_log_level_parse(const char *s, relay_log_level *out)
{
    for (int i = 0; i <= RELAY_LOG_DEBUG; i++)
        if (s && !strcmp(s, relay_level_names[i])) {
            *out = (relay_log_level)i;
            return true;
        }
    return false;
}

const char *relay_log_level_name(relay_log_level lvl)
{
    return lvl >= RELAY_LOG_ERR && lvl <= RELAY_LOG_DEBUG ? relay_level_names[lvl] : "?";
}

void relay_log_set_level(relay_log_level lvl)
{
    if (lvl >= RELAY_LOG_ERR && lvl <= RELAY_LOG_DEBUG)
        relay_log_max = lvl;
}

relay_log_level relay_log_get_level(void)
{
    return relay_log_max;
}

bool relay_log_on(relay_log_level lvl)
{
    return lvl <= relay_log_max;
}

const char *relay_log_target(void)
{
    static const char *const names[] = {"stderr", "journal", "file", "syslog"};
    return names[relay_log_dest];
}

/* systemd connects stderr to the journal and says so in JOURNAL_STREAM
 * ("device:inode" of that stream); a stderr redirected elsewhere by a
 * child of the service keeps the variable but not the inode, so both are
 * compared (systemd.exec(5), "$JOURNAL_STREAM"). */
static bool relay_stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int relay_log_open_syslog(void)
{
    /* syslog(3) drops every line silently when nothing listens at
     * _PATH_LOG: refuse rather than run without a log. */
    struct stat st;
    if (stat("/dev/log", &st) != 0 || !S_ISSOCK(st.st_mode))
        return -1;
    openlog("srtpd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    relay_log_dest = RELAY_TO_SYSLOG;
    relay_log_path[0] = 0;
    return 0;
}

/* A log stream is fully buffered and flushed by relay_log: after every
 * line, or, while the control thread holds the log, once per request
 * (relay_log_flush), so a request's lines go out in one write(2). Line
 * buffering (or unbuffered stderr: two writes per line) made that one or
 * two writes per line, the largest count of system calls of a call's
 * control path after its sockets. stderr's buffering can be set only
 * before its first output: once. */
static void relay_log_buffer(FILE *f)
{
    static bool stderr_set;
    if (f == stderr) {
        if (stderr_set)
            return;
        stderr_set = true;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 16);
}

int relay_log_open(const char *path)
{
    /* Also a reload's switch to another file: the old one is closed once
     * the new one is open (a failed open keeps the old file). */
    FILE *old = relay_log_fp;
    if (!path || !*path) {
        relay_log_buffer(stderr);
        relay_log_fp = stderr;
        relay_log_path[0] = 0;
        relay_log_dest = relay_stderr_is_journal() ? RELAY_TO_JOURNAL : RELAY_TO_STDERR;
    } else {
        FILE *f = fopen(path, "a");
        if (!f)
            return -1;
        relay_log_buffer(f);
        snprintf(relay_log_path, sizeof(relay_log_path), "%s", path);
        relay_log_fp = f;
        relay_log_dest = RELAY_TO_FILE;
    }
    if (old && old != stderr && old != relay_log_fp)
        fclose(old);
    return 0;
}

int relay_log_reopen(void)
{
    if (!relay_log_path[0])
        return 0;
    FILE *f = fopen(relay_log_path, "a");
    if (!f)
        return -1;
    relay_log_buffer(f);
    FILE *old = relay_log_fp;
    relay_log_fp = f;
    if (old && old != stderr)
        fclose(old);
    return 0;
}

/* Length of the well-formed UTF-8 sequence at p (2..4 bytes, RFC 3629:
 * no overlong forms, no surrogates, <= U+10FFFF), 0 when there is none. */
static size_t relay_utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

/* Characters that are valid UTF-8 but still move or hide text in a viewer:
 * C1 controls (U+0080..U+009F, e.g. CSI), the line and paragraph separators
 * and the bidi overrides/isolates (U+2028..U+202E, U+2066..U+2069). */
static bool relay_utf8_unsafe(const unsigned char *p, size_t len)
{
    if (len == 2)
        return p[0] == 0xC2 && p[1] <= 0x9F;
    if (len == 3 && p[0] == 0xE2)
        return (p[1] == 0x80 && p[2] >= 0xA8 && p[2] <= 0xAE) ||
               (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9);
    return false;
}

size_t relay_log_escape(const char *in, size_t n, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < n && cap && o + 1 < cap;) {
        unsigned c = p[i];
        size_t len = c >= 0x80 ? relay_utf8_len(p + i, n - i) : 1;
        bool esc = c < 0x20 || c == 0x7f || c == '\\' || len == 0 ||
                   (len > 1 && relay_utf8_unsafe(p + i, len));
        if (len == 0)
            len = 1;
        if (!esc) {
            if (o + len >= cap)
                break;
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
            continue;
        }
        /* Every byte of the character as \xNN: nothing a peer sends can end
         * the line, start a forged one or reach the terminal. */
        if (o + 4 * len >= cap)
            break;
        for (size_t k = 0; k < len; k++) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[p[i + k] >> 4];
            out[o++] = hex[p[i + k] & 15];
        }
        i += len;
    }
    if (cap)
        out[o] = 0;
    return o;
}

void relay_log(relay_log_level lvl, const char *fmt, ...)
{
    static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    /* syslog(3) priorities; the journal takes them as "<N>" prefixes. */
    static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    if (lvl < RELAY_LOG_ERR || lvl > RELAY_LOG_DEBUG || lvl > relay_log_max)
        return;
    FILE *f = relay_log_fp ? relay_log_fp : stderr;
    char msg[1024], line[4 * sizeof(msg) + 64];
    va_list ap;
    va_start(ap, fmt);
    int mn = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (mn < 0)
        mn = 0;
    if ((size_t)mn >= sizeof(msg))
        mn = (int)sizeof(msg) - 1;
    int n = 0;
    if (relay_log_dest == RELAY_TO_JOURNAL) {
        n = snprintf(line, sizeof(line), "<%d>", prio[lvl]);
    } else if (relay_log_dest != RELAY_TO_SYSLOG) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(line, sizeof(line),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ srtpd %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, names[lvl]);
    }
    /* Call-ids, reasons and addresses come from peers: escaped here, once,
     * for every line (rather than at each call site). */
    relay_log_escape(msg, (size_t)mn, line + n, sizeof(line) - (size_t)n);
    if (relay_log_dest == RELAY_TO_SYSLOG) {
        syslog(prio[lvl], "%s", line);
        return;
    }
    flockfile(f); /* one line, whole, even with workers logging; no format */
    fputs(line, f);
    fputc('\n', f);
    funlockfile(f);
    if (!relay_log_held)
        fflush(f);
}

void relay_log_flush(void)
{
    if (relay_log_dest != RELAY_TO_SYSLOG)
        fflush(relay_log_fp ? relay_log_fp : stderr);
}

void relay_log_hold(bool on)
{
    relay_log_held = on;
    if (!on)
        fflush(relay_log_fp ? relay_log_fp : stderr);
}

int relay_log_allow(relay_log_limit *l, int per_sec)
{
    int64_t now = (int64_t)time(NULL);
    if (now != l->window_s) {
        if (l->suppressed)
            relay_log(RELAY_LOG_WARN, "(%llu similar lines suppressed)",
                      (unsigned long long)l->suppressed);
        l->window_s = now;
        l->count = 0;
        l->suppressed = 0;
    }
    if (l->count >= per_sec) {
        l->suppressed++;
        return 0;
    }
    l->count++;
    return 1;
}
