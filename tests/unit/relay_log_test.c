/*
 * tests/unit/relay_log_test.c — srtpd's log (rtp/relay/log.c): escaping
 * (what a peer puts in a call-id never reaches the log as a control byte,
 * invalid UTF-8 or a character that moves text; valid UTF-8 text stays
 * readable; output is cut at whole characters), the level names and
 * filter, the file format (time and level word) and the journal format
 * ("<N>" priority, chosen only when JOURNAL_STREAM names stderr itself).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relay/log.h"
#include "tests/check.h"

static const char *esc(const char *in, size_t n, size_t cap)
{
    static char out[512];
    relay_log_escape(in, n, out, cap);
    return out;
}
#define ESC(s) esc(s, sizeof(s) - 1, 512)

static void test_controls(void)
{
    CHECK_STR_EQ(ESC("a\nb\rc\x1b[31m\x01\x7f\t"), "a\\x0ab\\x0dc\\x1b[31m\\x01\\x7f\\x09");
    CHECK_STR_EQ(ESC("back\\slash"), "back\\x5cslash");
    CHECK_STR_EQ(esc("nul\0x", 5, 512), "nul\\x00x");
    CHECK_STR_EQ(ESC("plain-call-id@192.0.2.1"), "plain-call-id@192.0.2.1");
}

static void test_utf8(void)
{
    CHECK_STR_EQ(ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    CHECK_STR_EQ(ESC("\xc0\xaf"), "\\xc0\\xaf");                   /* overlong '/' */
    CHECK_STR_EQ(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* surrogate */
    CHECK_STR_EQ(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
    CHECK_STR_EQ(ESC("\xe2\x82"), "\\xe2\\x82");                   /* cut short */
    CHECK_STR_EQ(ESC("\xff\xfe"), "\\xff\\xfe");
    CHECK_STR_EQ(ESC("\xc2\x9b"
                     "2J"),
                 "\\xc2\\x9b2J");                         /* C1 CSI */
    CHECK_STR_EQ(ESC("\xe2\x80\xa8"), "\\xe2\\x80\\xa8"); /* line separator */
    CHECK_STR_EQ(ESC("\xe2\x80\xae"
                     "cba"),
                 "\\xe2\\x80\\xaecba");                   /* RLO */
    CHECK_STR_EQ(ESC("\xe2\x81\xa6"), "\\xe2\\x81\\xa6"); /* LRI */
}

static void test_cut(void)
{
    /* Never half an escape or half a character at the end. */
    CHECK_STR_EQ(esc("ab\n", 3, 5), "ab");
    CHECK_STR_EQ(esc("a\xc3\xa9", 3, 3), "a");
    CHECK_STR_EQ(esc("abc", 3, 1), "");
}

static char tmp_path[64];

static const char *slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    if (!f)
        return "";
    buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
    fclose(f);
    return buf;
}

static void test_levels(void)
{
    relay_log_level l = RELAY_LOG_ERR;
    CHECK(relay_log_level_parse("debug", &l) && l == RELAY_LOG_DEBUG);
    CHECK(relay_log_level_parse("warn", &l) && l == RELAY_LOG_WARN);
    CHECK(relay_log_level_parse("error", &l) && l == RELAY_LOG_ERR);
    CHECK(relay_log_level_parse("info", &l) && l == RELAY_LOG_INFO);
    l = RELAY_LOG_WARN;
    CHECK(!relay_log_level_parse("warning", &l) && l == RELAY_LOG_WARN);
    CHECK(!relay_log_level_parse("INFO", &l));
    CHECK(!relay_log_level_parse("", &l));
    CHECK(!relay_log_level_parse(NULL, &l));
    CHECK_STR_EQ(relay_log_level_name(RELAY_LOG_DEBUG), "debug");
    CHECK_EQ(relay_log_get_level(), RELAY_LOG_INFO); /* the default */
}

/* A file: "TIME srtpd LEVEL: message"; lines above the level are dropped
 * (a rate-limited call site too, which then reports no suppression). */
static void test_file_filter(void)
{
    CHECK_EQ(relay_log_open(tmp_path), 0);
    CHECK_STR_EQ(relay_log_target(), "file");
    relay_log_set_level(RELAY_LOG_WARN);
    relay_log(RELAY_LOG_INFO, "info-line");
    relay_log(RELAY_LOG_DEBUG, "debug-line");
    for (int i = 0; i < 5; i++)
        RELAY_LOG_LIMITED(RELAY_LOG_INFO, 1, "limited-info");
    relay_log(RELAY_LOG_WARN, "warn-line");
    relay_log(RELAY_LOG_ERR, "err-line\n forged");
    const char *t = slurp(tmp_path);
    CHECK_MSG(!strstr(t, "info-line") && !strstr(t, "debug-line") && !strstr(t, "limited"), "%s",
              t);
    CHECK_MSG(strstr(t, "Z srtpd WARN: warn-line\n"), "%s", t);
    CHECK_MSG(strstr(t, "Z srtpd ERROR: err-line\\x0a forged\n"), "%s", t);
    CHECK(t[0] == '2' && t[4] == '-' && t[10] == 'T'); /* ISO 8601 UTC time first */
    relay_log_set_level(RELAY_LOG_DEBUG);
    relay_log(RELAY_LOG_DEBUG, "debug-now");
    CHECK(strstr(slurp(tmp_path), "Z srtpd DEBUG: debug-now\n"));
    relay_log_set_level((relay_log_level)7); /* out of range: ignored */
    CHECK_EQ(relay_log_get_level(), RELAY_LOG_DEBUG);
    relay_log_set_level(RELAY_LOG_INFO);
}

/* stderr is the journal only when JOURNAL_STREAM is stderr's own
 * device:inode: then "<N>message" (sd-daemon priorities), no time. */
static void test_journal(void)
{
    int fd = open(tmp_path, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0);
    int saved = dup(2);
    dup2(fd, 2);
    close(fd);
    struct stat st;
    fstat(2, &st);
    char js[64];
    snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    relay_log_open("");
    const char *target = relay_log_target();
    relay_log(RELAY_LOG_ERR, "j-err");
    relay_log(RELAY_LOG_WARN, "j-warn");
    relay_log(RELAY_LOG_INFO, "j-info");
    relay_log(RELAY_LOG_DEBUG, "j-debug"); /* above the level */
    /* Another inode (stderr redirected by a child of the service): the
     * plain format again. */
    snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino + 1);
    setenv("JOURNAL_STREAM", js, 1);
    relay_log_open("");
    const char *target2 = relay_log_target();
    relay_log(RELAY_LOG_WARN, "plain-warn");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    unsetenv("JOURNAL_STREAM");
    CHECK_STR_EQ(target, "journal");
    CHECK_STR_EQ(target2, "stderr");
    const char *t = slurp(tmp_path);
    static const char want[] = "<3>j-err\n<4>j-warn\n<6>j-info\n";
    CHECK_MSG(!strncmp(t, want, sizeof(want) - 1), "%s", t);
    CHECK(!strstr(t, "j-debug"));
    CHECK_MSG(strstr(t, "Z srtpd WARN: plain-warn\n"), "%s", t);
}

int main(void)
{
    snprintf(tmp_path, sizeof(tmp_path), "/tmp/relay-log-test-%d.log", (int)getpid());
    RUN(test_controls);
    RUN(test_utf8);
    RUN(test_cut);
    RUN(test_levels);
    RUN(test_file_filter);
    RUN(test_journal);
    unlink(tmp_path);
    return check_summary("relay_log");
}
