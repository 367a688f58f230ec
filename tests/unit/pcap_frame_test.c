/*
 * tests/unit/pcap_frame_test.c — srtp-pcap's frame parser and rewriter
 * (rtp/tools/pcap_frame.c): each link type finds the UDP payload; lengths and
 * checksums after a rewrite verify by the RFC 1071 rule (the one's-complement
 * sum over pseudo-header and datagram, checksum included, is 0xffff);
 * fragments, non-UDP and every truncation are SKIP and never read past the
 * captured bytes (run under ASan by `make asan`).
 */
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "tests/check.h"
#include "tools/pcap_frame.h"

static size_t put_ipv4_udp(uint8_t *p, size_t payload, uint16_t frag)
{
    memset(p, 0, 28);
    p[0] = 0x45;
    size_t total = 28 + payload;
    p[2] = (uint8_t)(total >> 8);
    p[3] = (uint8_t)total;
    p[6] = (uint8_t)(frag >> 8);
    p[7] = (uint8_t)frag;
    p[8] = 64;
    p[9] = 17;
    static const uint8_t a[8] = {192, 0, 2, 1, 198, 51, 100, 2}; /* RFC 5737 */
    memcpy(p + 12, a, 8);
    p[20] = 0x13;
    p[21] = 0x88; /* 5000 */
    p[22] = 0x17;
    p[23] = 0x70; /* 6000 */
    p[24] = (uint8_t)((8 + payload) >> 8);
    p[25] = (uint8_t)(8 + payload);
    p[26] = 0xab; /* some checksum: a rewrite must replace it */
    p[27] = 0xcd;
    for (size_t i = 0; i < payload; i++)
        p[28 + i] = (uint8_t)(0x80 + i);
    return total;
}

static size_t put_ipv6_udp(uint8_t *p, size_t payload, uint8_t ext)
{
    memset(p, 0, 48 + 8);
    p[0] = 0x60;
    size_t ext_len = ext ? 8 : 0;
    size_t plen = ext_len + 8 + payload;
    p[4] = (uint8_t)(plen >> 8);
    p[5] = (uint8_t)plen;
    p[6] = ext ? ext : 17;
    p[7] = 64;
    p[8] = 0x20;
    p[9] = 0x01;
    p[10] = 0x0d;
    p[11] = 0xb8;
    p[23] = 1; /* 2001:db8::1 */
    p[24] = 0x20;
    p[25] = 0x01;
    p[26] = 0x0d;
    p[27] = 0xb8;
    p[39] = 2;
    size_t u = 40;
    if (ext) { /* one 8-byte extension header, then UDP */
        p[40] = 17;
        p[41] = 0;
        u = 48;
    }
    p[u] = 0x13;
    p[u + 1] = 0x88;
    p[u + 2] = 0x17;
    p[u + 3] = 0x70;
    p[u + 4] = (uint8_t)((8 + payload) >> 8);
    p[u + 5] = (uint8_t)(8 + payload);
    for (size_t i = 0; i < payload; i++)
        p[u + 8 + i] = (uint8_t)(0x80 + i);
    return 40 + plen;
}

/* One's-complement sum check over pseudo-header + UDP, independent of the
 * code under test (RFC 768, RFC 8200 §8.1, RFC 1071). */
static int udp_csum_ok(const uint8_t *ip, int ver, const uint8_t *udp)
{
    size_t ulen = (size_t)(udp[4] << 8 | udp[5]);
    uint32_t sum = 0;
    const uint8_t *addr = ver == 4 ? ip + 12 : ip + 8;
    size_t alen = ver == 4 ? 8 : 32;
    for (size_t i = 0; i < alen; i += 2)
        sum += (uint32_t)(addr[i] << 8 | addr[i + 1]);
    sum += 17 + (uint32_t)ulen;
    for (size_t i = 0; i < ulen; i += 2)
        sum += (uint32_t)(udp[i] << 8 | (i + 1 < ulen ? udp[i + 1] : 0));
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

static int ipv4_csum_ok(const uint8_t *ip)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

/* Each link type: the payload is found at the right offset, a rewrite with
 * a longer and a shorter payload gives valid lengths and checksums. */
static void test_link_types_and_rewrite(void)
{
    static const struct {
        int dlt;
        size_t l2;
        uint16_t type_at;
        int vlan;
    } lt[] = {
        {DLT_EN10MB, 14, 12, 0},    {DLT_EN10MB, 18, 12, 1}, {DLT_LINUX_SLL, 16, 14, 0},
        {DLT_LINUX_SLL2, 20, 0, 0}, {DLT_RAW, 0, 0, 0},      {DLT_IPV4, 0, 0, 0},
        {DLT_NULL, 4, 0, 0},
    };
    for (unsigned v = 4; v <= 6; v += 2) {
        for (unsigned t = 0; t < sizeof lt / sizeof lt[0]; t++) {
            if (lt[t].dlt == DLT_IPV4 && v == 6)
                continue;
            uint8_t f[2048], out[2048];
            memset(f, 0, sizeof f);
            size_t l2 = lt[t].l2;
            uint16_t et = v == 4 ? 0x0800 : 0x86dd;
            if (lt[t].dlt == DLT_EN10MB) {
                size_t o = 12;
                if (lt[t].vlan) {
                    f[12] = 0x81;
                    f[13] = 0x00;
                    f[14] = 0x00;
                    f[15] = 0x05;
                    o = 16;
                }
                f[o] = (uint8_t)(et >> 8);
                f[o + 1] = (uint8_t)et;
            } else if (lt[t].dlt == DLT_LINUX_SLL || lt[t].dlt == DLT_LINUX_SLL2) {
                f[lt[t].type_at] = (uint8_t)(et >> 8);
                f[lt[t].type_at + 1] = (uint8_t)et;
            } else if (lt[t].dlt == DLT_NULL) {
                f[0] = v == 4 ? 2 : 30;
            }
            size_t n =
                l2 + (v == 4 ? put_ipv4_udp(f + l2, 100, 0x4000) : put_ipv6_udp(f + l2, 100, 60));
            pcap_frame pf;
            CHECK_EQ(pcap_frame_parse(lt[t].dlt, f, n, n, &pf), PCAP_FRAME_UDP);
            CHECK_EQ(pf.ip_version, (int)v);
            CHECK_EQ(pf.ip_off, l2);
            CHECK_EQ(pf.payload_off, l2 + (v == 4 ? 28 : 56));
            CHECK_EQ(pf.payload_len, 100);
            CHECK_EQ(pf.sport, 5000);
            CHECK_EQ(pf.dport, 6000);
            for (size_t newlen = 90; newlen <= 130; newlen += 40) {
                uint8_t pl[256];
                for (size_t i = 0; i < newlen; i++)
                    pl[i] = (uint8_t)(i * 3 + 1);
                size_t m = pcap_frame_rewrite(f, &pf, pl, newlen, out, sizeof out);
                CHECK_EQ(m, pf.payload_off + newlen);
                CHECK_MEM_EQ(out + pf.payload_off, pl, newlen);
                pcap_frame pf2;
                CHECK_EQ(pcap_frame_parse(lt[t].dlt, out, m, m, &pf2), PCAP_FRAME_UDP);
                CHECK_EQ(pf2.payload_len, newlen);
                CHECK_MSG(udp_csum_ok(out + l2, (int)v, out + pf2.udp_off),
                          "UDP checksum: IPv%u link %d len %zu", v, lt[t].dlt, newlen);
                if (v == 4)
                    CHECK(ipv4_csum_ok(out + l2));
            }
        }
    }
}

/* An IPv4 datagram sent without UDP checksum keeps 0 (RFC 768). */
static void test_ipv4_zero_checksum_kept(void)
{
    uint8_t f[256], out[256];
    size_t n = put_ipv4_udp(f, 40, 0);
    f[26] = f[27] = 0;
    pcap_frame pf;
    CHECK_EQ(pcap_frame_parse(DLT_RAW, f, n, n, &pf), PCAP_FRAME_UDP);
    CHECK(pf.udp_csum_zero);
    size_t m = pcap_frame_rewrite(f, &pf, f + 28, 30, out, sizeof out);
    CHECK_EQ(m, 58);
    CHECK_EQ(out[26], 0);
    CHECK_EQ(out[27], 0);
    CHECK(ipv4_csum_ok(out));
}

/* Fragments, other protocols, short captures and lying length fields are
 * SKIP; every truncation of a good frame is SKIP and stays in bounds (a
 * heap copy of exactly the truncated length makes ASan see any overread). */
static void test_skip_and_truncation(void)
{
    uint8_t f[256];
    size_t n = put_ipv4_udp(f, 40, 0x2000); /* MF */
    pcap_frame pf;
    CHECK_EQ(pcap_frame_parse(DLT_RAW, f, n, n, &pf), PCAP_FRAME_SKIP);
    n = put_ipv4_udp(f, 40, 0x0010); /* offset */
    CHECK_EQ(pcap_frame_parse(DLT_RAW, f, n, n, &pf), PCAP_FRAME_SKIP);
    n = put_ipv4_udp(f, 40, 0);
    f[9] = 6; /* TCP */
    CHECK_EQ(pcap_frame_parse(DLT_RAW, f, n, n, &pf), PCAP_FRAME_SKIP);
    n = put_ipv6_udp(f, 40, 44); /* fragment header */
    CHECK_EQ(pcap_frame_parse(DLT_RAW, f, n, n, &pf), PCAP_FRAME_SKIP);
    n = put_ipv4_udp(f, 40, 0);
    f[25] = 200; /* UDP length beyond the datagram */
    CHECK_EQ(pcap_frame_parse(DLT_RAW, f, n, n, &pf), PCAP_FRAME_SKIP);
    n = put_ipv4_udp(f, 40, 0);
    CHECK_EQ(pcap_frame_parse(DLT_RAW, f, n, n + 1, &pf), PCAP_FRAME_SKIP); /* snaplen cut */
    CHECK_EQ(pcap_frame_parse(DLT_IEEE802_11, f, n, n, &pf), PCAP_FRAME_SKIP);
    CHECK(!pcap_frame_linktype_ok(DLT_IEEE802_11));
    for (int v = 4; v <= 6; v += 2) {
        n = v == 4 ? put_ipv4_udp(f, 40, 0) : put_ipv6_udp(f, 40, 0);
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *c = malloc(cut ? cut : 1);
            CHECK(c != NULL);
            memcpy(c, f, cut);
            pcap_frame_result r = pcap_frame_parse(DLT_RAW, c, cut, cut, &pf);
            free(c);
            CHECK_MSG(r == PCAP_FRAME_SKIP, "IPv%d cut at %zu parsed", v, cut);
        }
    }
}

/* A rewrite that would exceed the 16-bit IP or UDP lengths is refused. */
static void test_rewrite_too_big(void)
{
    uint8_t f[256];
    size_t n = put_ipv4_udp(f, 40, 0);
    pcap_frame pf;
    CHECK_EQ(pcap_frame_parse(DLT_RAW, f, n, n, &pf), PCAP_FRAME_UDP);
    static uint8_t big[70000], out[70100];
    CHECK_EQ(pcap_frame_rewrite(f, &pf, big, 65535 - 28 + 1, out, sizeof out), 0);
    CHECK_EQ(pcap_frame_rewrite(f, &pf, big, 65535 - 28, out, sizeof out), 65535);
    CHECK_EQ(pcap_frame_rewrite(f, &pf, big, 100, out, 50), 0);
}

/* Random frames on every link type: parse never reads outside the captured
 * bytes, and when it says UDP the offsets lie inside and a rewrite works
 * (under ASan+UBSan in `make asan`). Half of the frames start from a valid
 * header so the deeper checks are reached. */
static void test_random_frames(void)
{
    static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
                               DLT_IPV4,   DLT_IPV6,      DLT_NULL,       DLT_LOOP};
    uint32_t r = 0x9e3779b9;
    static uint8_t out[70000];
    unsigned udp_found = 0;
    for (unsigned it = 0; it < 40000; it++) {
        uint8_t tmpl[160];
        for (size_t i = 0; i < sizeof tmpl; i++) {
            r ^= r << 13;
            r ^= r >> 17;
            r ^= r << 5;
            tmpl[i] = (uint8_t)r;
        }
        int dlt = dlts[r % 8];
        size_t len = (r >> 8) % sizeof tmpl;
        if (it & 1) { /* a plausible IP/UDP start after the link header */
            size_t l2 = dlt == DLT_EN10MB                      ? 14
                        : dlt == DLT_LINUX_SLL                 ? 16
                        : dlt == DLT_LINUX_SLL2                ? 20
                        : (dlt == DLT_NULL || dlt == DLT_LOOP) ? 4
                                                               : 0;
            int v6 = (r >> 3) & 1;
            if (dlt == DLT_EN10MB) {
                tmpl[12] = v6 ? 0x86 : 0x08;
                tmpl[13] = v6 ? 0xdd : 0x00;
            }
            if (dlt == DLT_LINUX_SLL) {
                tmpl[14] = v6 ? 0x86 : 0x08;
                tmpl[15] = v6 ? 0xdd : 0x00;
            }
            if (dlt == DLT_LINUX_SLL2) {
                tmpl[0] = v6 ? 0x86 : 0x08;
                tmpl[1] = v6 ? 0xdd : 0x00;
            }
            uint8_t *ip = tmpl + l2;
            ip[0] = v6 ? 0x60 : 0x45;
            size_t avail = len > l2 ? len - l2 : 0;
            if (v6) {
                ip[6] = (r >> 4) & 1 ? 17 : 0;
                if (avail >= 48 && ip[6] == 17) { /* consistent lengths */
                    ip[4] = 0;
                    ip[5] = (uint8_t)(avail - 40);
                    ip[44] = 0;
                    ip[45] = (uint8_t)(avail - 40);
                }
            } else {
                ip[6] &= 0x40;
                ip[7] = 0;
                ip[9] = 17;
                if (avail >= 28 && (r >> 5) & 1) {
                    ip[2] = 0;
                    ip[3] = (uint8_t)avail;
                    ip[24] = 0;
                    ip[25] = (uint8_t)(avail - 20);
                }
            }
        }
        uint8_t *c = malloc(len ? len : 1);
        CHECK(c != NULL);
        memcpy(c, tmpl, len);
        pcap_frame pf;
        if (pcap_frame_parse(dlt, c, len, len, &pf) == PCAP_FRAME_UDP) {
            udp_found++;
            CHECK(pf.payload_off + pf.payload_len <= len);
            size_t m =
                pcap_frame_rewrite(c, &pf, c + pf.payload_off, pf.payload_len, out, sizeof out);
            CHECK_EQ(m, pf.payload_off + pf.payload_len);
        }
        free(c);
    }
    CHECK(udp_found > 0);
}

int main(void)
{
    RUN(test_link_types_and_rewrite);
    RUN(test_ipv4_zero_checksum_kept);
    RUN(test_skip_and_truncation);
    RUN(test_rewrite_too_big);
    RUN(test_random_frames);
    return check_summary("pcap_frame");
}
