/*
 * rtp/relay/log.c — timestamped log lines, SIGHUP reopen (for logrotate),
 * per-call-site rate limiting (see log.h).
 */
#include "relay/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static FILE *relay_log_fp;
static char relay_log_path[256];

int relay_log_open(const char *path)
{
    if (!path || !*path) {
        relay_log_fp = stderr;
        relay_log_path[0] = 0;
        return 0;
    }
    snprintf(relay_log_path, sizeof(relay_log_path), "%s", path);
    FILE *f = fopen(path, "a");
    if (!f)
        return -1;
    setvbuf(f, NULL, _IOLBF, 0);
    relay_log_fp = f;
    return 0;
}

int relay_log_reopen(void)
{
    if (!relay_log_path[0])
        return 0;
    FILE *f = fopen(relay_log_path, "a");
    if (!f)
        return -1;
    setvbuf(f, NULL, _IOLBF, 0);
    FILE *old = relay_log_fp;
    relay_log_fp = f;
    if (old && old != stderr)
        fclose(old);
    return 0;
}

void relay_log(relay_log_level lvl, const char *fmt, ...)
{
    static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    FILE *f = relay_log_fp ? relay_log_fp : stderr;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char line[1024];
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ srtpd %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(f, "%s\n", line);
    fflush(f);
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
