/*
 * tests/unit/pcap_check_test.c — `srtp-pcap check` (docs/srtp-pcap.md) on
 * generated captures (helpers in pcap_tool.h): a clean stream across a SEQ
 * wrap with a retransmission is clean; the same index with other bytes is
 * reported for SRTP before and after the wrap and for SRTCP; another MKI,
 * another flow or a port left out by --port is not reuse; bad arguments
 * and files. The packets are not really encrypted: check needs no key and
 * looks only at headers, trailers and bytes.
 */
#include <stdbool.h>

#include "tests/unit/pcap_tool.h"

#define TAG 10

/* An "SRTP" packet: RTP header, payload bytes from (seq, salt), a tag. */
static void srtp_pkt(cap *c, uint16_t sport, uint32_t ssrc, uint16_t seq, uint8_t salt)
{
    uint8_t b[256];
    size_t n = rtp(b, ssrc, seq, 40);
    b[12] ^= salt;
    memset(b + n, 0xa5, TAG);
    frame(c, 4, sport, 40000, b, n + TAG, K_RTP, 0, 0, 0, 0);
}

/* An "SRTCP" packet: SR, E|index, MKI (mki_len bytes of mki), tag. */
static void srtcp_pkt(cap *c, uint16_t sport, uint32_t ssrc, uint32_t index, uint8_t salt,
                      size_t mki_len, uint8_t mki)
{
    uint8_t b[256];
    size_t n = rtcp_sr(b, ssrc, salt);
    w32(b + n, 0x80000000u | index);
    n += 4;
    memset(b + n, mki, mki_len);
    n += mki_len;
    memset(b + n, 0x5a, TAG);
    frame(c, 4, sport, 40001, b, n + TAG, K_RTCP, 0, 0, 0, 0);
}

static int check_file(cap *c, const char *name, const char *const *opts)
{
    char p[256];
    path(p, name);
    if (write_cap(c, p) != 0)
        return -1;
    const char *args[16] = {"check"};
    int n = 1;
    while (opts && *opts && n < 14)
        args[n++] = *opts++;
    args[n++] = p;
    args[n] = NULL;
    return run(args);
}

static bool said(const char *s)
{
    return strstr(err_text, s) != NULL;
}

static void test_clean_and_wrap(void)
{
    static cap c;
    memset(&c, 0, sizeof c);
    c.dlt = DLT_EN10MB;
    for (unsigned s = 65530; s < 65536 + 6; s++)
        srtp_pkt(&c, 30000, 0x1111, (uint16_t)s, 0);
    srtp_pkt(&c, 30000, 0x1111, 2, 0); /* a retransmission: the same bytes */
    for (uint32_t i = 0; i < 5; i++)
        srtcp_pkt(&c, 30001, 0x1111, i, (uint8_t)i, 0, 0);
    CHECK_EQ(check_file(&c, "out.pcap", NULL), 0);
    CHECK_MSG(said("packets=18 srtp=13 srtcp=5 streams=2 skipped=0 reused=0"), "%s", err_text);
}

static void test_reuse_found(void)
{
    static cap c;
    memset(&c, 0, sizeof c);
    c.dlt = DLT_EN10MB;
    for (unsigned s = 65530; s < 65536 + 6; s++)
        srtp_pkt(&c, 30000, 0x1111, (uint16_t)s, 0);
    srtp_pkt(&c, 30000, 0x1111, 65534, 1); /* late, ROC 0: index 65534 */
    srtp_pkt(&c, 30000, 0x1111, 3, 1);     /* ROC 1: index 65539 */
    srtcp_pkt(&c, 30001, 0x2222, 7, 0, 0, 0);
    srtcp_pkt(&c, 30001, 0x2222, 7, 1, 0, 0);
    CHECK_EQ(check_file(&c, "out.pcap", NULL), 3);
    CHECK_MSG(said("ssrc=0x00001111 srtp index=65534") &&
                  said("ssrc=0x00001111 srtp index=65539") &&
                  said("ssrc=0x00002222 srtcp index=7") && said("reused=3"),
              "%s", err_text);
    /* --port elsewhere: none of it is looked at. */
    const char *port[] = {"--port", "31000", NULL};
    CHECK_EQ(check_file(&c, "out.pcap", port), 0);
    CHECK_MSG(said("packets=0 ") && said("reused=0"), "%s", err_text);
    /* --port 30000: the RTP flow and its RTCP on 30001, all three. */
    const char *rtcp_port[] = {"--port", "30000", NULL};
    CHECK_EQ(check_file(&c, "out.pcap", rtcp_port), 3);
    CHECK_MSG(said("reused=3"), "%s", err_text);
}

static void test_not_reuse(void)
{
    static cap c;
    memset(&c, 0, sizeof c);
    c.dlt = DLT_EN10MB;
    /* Index 7 under two MKIs: two keys. */
    srtcp_pkt(&c, 30001, 0x3333, 7, 0, 4, 1);
    srtcp_pkt(&c, 30001, 0x3333, 7, 1, 4, 2);
    /* The same SSRC and SEQ in two flows (a relay's two legs). */
    srtp_pkt(&c, 30000, 0x4444, 100, 0);
    srtp_pkt(&c, 30002, 0x4444, 100, 1);
    const char *mki[] = {"--mki-len", "4", NULL};
    CHECK_EQ(check_file(&c, "out.pcap", mki), 0);
    CHECK_MSG(said("reused=0"), "%s", err_text);
}

static void test_bad_usage(void)
{
    static cap c;
    memset(&c, 0, sizeof c);
    c.dlt = DLT_EN10MB;
    srtp_pkt(&c, 30000, 0x1111, 1, 0);
    const char *big[] = {"--tag-len", "200", NULL};
    CHECK_EQ(check_file(&c, "out.pcap", big), 2);
    const char *neg[] = {"--mki-len", "-1", NULL};
    CHECK_EQ(check_file(&c, "out.pcap", neg), 2);
    char p[256];
    path(p, "out.pcap");
    const char *two[] = {"check", p, p, NULL};
    CHECK_EQ(run(two), 2);
    CHECK_MSG(lines_in(err_text) == 1 && said("check takes no key"), "%s", err_text);
    const char *key[] = {"check", "--crypto", line_text[0], p, NULL};
    CHECK_EQ(run(key), 2);
    CHECK_MSG(lines_in(err_text) == 1 && !leaks_key(err_text), "%s", err_text);
    const char *missing[] = {"check", "/nonexistent/x.pcap", NULL};
    CHECK_EQ(run(missing), 1);
    CHECK_MSG(lines_in(err_text) == 1 && said("/nonexistent/x.pcap"), "%s", err_text);
}

int main(void)
{
    if (setup() != 0) {
        fprintf(stderr, "pcap_check: setup failed\n");
        return 1;
    }
    RUN(test_clean_and_wrap);
    RUN(test_reuse_found);
    RUN(test_not_reuse);
    RUN(test_bad_usage);
    teardown();
    return check_summary("pcap_check");
}
