/*
 * tests/unit/pcap_tool_test.c — build/srtp-pcap end to end on captures this
 * test writes with libpcap: Ethernet (one frame VLAN-tagged), Linux cooked
 * v1 and v2, and raw IP; IPv4 and IPv6; three SSRCs, each on its own crypto
 * line (AES_CM_128_HMAC_SHA1_80; AEAD_AES_256_GCM with MKI and lifetime;
 * AES_CM_128_HMAC_SHA1_32 without tag), RTCP both on port+1 and muxed
 * (RFC 5761), an IPv4 datagram without UDP checksum, a sequence wrap, and
 * packets that are not RTP (SIP text, STUN, TCP, ARP).
 *
 *   encrypt -> every SRTP/SRTCP packet unprotected by libsrtp2 gives the
 *              original; lengths and checksums verify; others untouched
 *   decrypt (lines in another order) -> the original capture, byte for byte
 *   forged / replayed packets -> counted, left out (or kept, --keep-failed)
 *   --port, wrong key, bad arguments/files -> the contract's outcomes, one
 *   stderr line, no key text on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <srtp2/srtp.h>

#include "srtp/suite.h"
#include "tests/check.h"

#define MAXP 256
#define FR   2048

enum kind { K_RTP, K_RTCP, K_OTHER };

typedef struct pkt {
    struct pcap_pkthdr h;
    uint8_t d[FR];
    /* What the test put there (input captures only). */
    enum kind kind;
    int stream;        /* 0..2, -1 for others */
    int ipv;
    size_t ip_off, udp_off, pay_off, pay_len;
    uint16_t sport, dport;  /* to rebuild the frame with another payload */
    int vlan, no_csum;
} pkt;

typedef struct cap {
    int dlt;
    size_t n;
    pkt p[MAXP];
} cap;

static char tool[PATH_MAX], dir[64];
static char line_text[3][256];
static char b64[3][80];
static uint8_t keysalt[3][46];

static const uint32_t ssrcs[3] = { 0xa1a1a1a1, 0xb2b2b2b2, 0xc3c3c3c3 };
static const sg_suite_id stream_suite[3] = { SG_SUITE_AES_CM_128_HMAC_SHA1_80,
                                             SG_SUITE_AEAD_AES_256_GCM,
                                             SG_SUITE_AES_CM_128_HMAC_SHA1_32 };
static const uint8_t mki_b[4] = { 0, 0, 0, 1 }; /* "|1:4" */

/* ---- capture building ------------------------------------------------- */

static void w16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void w32(uint8_t *p, uint32_t v) { w16(p, v >> 16); w16(p + 2, v & 0xffff); }

static uint16_t csum_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 2)
        s += (uint32_t)(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
    return s;
}

/* UDP checksum over pseudo-header (RFC 768 / RFC 8200 §8.1). */
static uint16_t udp_csum(const uint8_t *ip, int ipv, const uint8_t *udp, size_t ulen)
{
    uint32_t s = csum_add(0, ipv == 4 ? ip + 12 : ip + 8, ipv == 4 ? 8 : 32);
    s += 17 + (uint32_t)ulen;
    s = csum_add(s, udp, ulen);
    uint16_t c = csum_fold(s);
    return c ? c : 0xffff;
}

/* A frame: link header for dlt, IPv4/IPv6, UDP (or TCP when tcp), payload. */
static void frame(cap *c, int ipv, uint16_t sport, uint16_t dport, const uint8_t *pl,
                  size_t len, enum kind kind, int stream, int vlan, int no_csum, int tcp)
{
    pkt *p = &c->p[c->n++];
    memset(p, 0, sizeof *p);
    uint8_t *d = p->d;
    size_t l2 = 0;
    unsigned et = ipv == 4 ? 0x0800 : 0x86dd;
    switch (c->dlt) {
    case DLT_EN10MB:
        memcpy(d, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
        l2 = 12;
        if (vlan) {
            w16(d + 12, 0x8100);
            w16(d + 14, 42);
            l2 = 16;
        }
        w16(d + l2, et);
        l2 += 2;
        break;
    case DLT_LINUX_SLL:
        w16(d, 4);  /* sent by us */
        w16(d + 2, 1);
        w16(d + 4, 6);
        w16(d + 14, et);
        l2 = 16;
        break;
    case DLT_LINUX_SLL2:
        w16(d, et);
        w32(d + 4, 2); /* ifindex */
        w16(d + 8, 1);
        d[10] = 4;
        d[11] = 6;
        l2 = 20;
        break;
    default: /* DLT_RAW */
        break;
    }
    size_t ip = l2, udp = ip + (ipv == 4 ? 20 : 40), th = tcp ? 20 : 8;
    size_t total = (udp - ip) + th + len;
    if (ipv == 4) {
        d[ip] = 0x45;
        w16(d + ip + 2, (unsigned)total);
        w16(d + ip + 4, (unsigned)c->n);
        w16(d + ip + 6, 0x4000);
        d[ip + 8] = 64;
        d[ip + 9] = tcp ? 6 : 17;
        memcpy(d + ip + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x02", 8); /* RFC 5737 */
        w16(d + ip + 10, csum_fold(csum_add(0, d + ip, 20)));
    } else {
        d[ip] = 0x60;
        w16(d + ip + 4, (unsigned)(th + len));
        d[ip + 6] = tcp ? 6 : 17;
        d[ip + 7] = 64;
        memcpy(d + ip + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16); /* RFC 3849 */
        memcpy(d + ip + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
    }
    w16(d + udp, sport);
    w16(d + udp + 2, dport);
    memcpy(d + udp + th, pl, len);
    if (tcp) {
        d[udp + 12] = 0x50;
    } else {
        w16(d + udp + 4, (unsigned)(8 + len));
        if (!no_csum)
            w16(d + udp + 6, udp_csum(d + ip, ipv, d + udp, 8 + len));
    }
    p->h.ts.tv_sec = 1700000000 + (long)c->n;
    p->h.ts.tv_usec = (long)(c->n * 1000);
    p->h.caplen = p->h.len = (bpf_u_int32)(udp + th + len);
    p->kind = kind;
    p->stream = stream;
    p->ipv = ipv;
    p->ip_off = ip;
    p->udp_off = udp;
    p->pay_off = udp + th;
    p->pay_len = len;
    p->sport = sport;
    p->dport = dport;
    p->vlan = vlan;
    p->no_csum = no_csum;
}

static size_t rtp(uint8_t *b, uint32_t ssrc, uint16_t seq, size_t payload)
{
    b[0] = 0x80;
    b[1] = 0; /* PCMU */
    w16(b + 2, seq);
    w32(b + 4, (uint32_t)seq * 160u);
    w32(b + 8, ssrc);
    for (size_t i = 0; i < payload; i++)
        b[12 + i] = (uint8_t)(seq + i * 13);
    return 12 + payload;
}

static size_t rtcp_sr(uint8_t *b, uint32_t ssrc, unsigned n)
{
    memset(b, 0, 28);
    b[0] = 0x80;
    b[1] = 200;
    w16(b + 2, 6);
    w32(b + 4, ssrc);
    w32(b + 8, 0xe1000000u + n);
    w32(b + 20, n);
    return 28;
}

/* The capture of the whole test: streams interleaved, first appearance
 * A, B, C (so encrypt binds them to lines 1, 2, 3). */
static void build(cap *c, int dlt)
{
    memset(c, 0, sizeof *c);
    c->dlt = dlt;
    int v6 = 6;
    uint8_t b[1500];
    static const char sip[] = "OPTIONS sip:192.0.2.1 SIP/2.0\r\n\r\n";
    frame(c, 4, 5060, 5060, (const uint8_t *)sip, sizeof sip - 1, K_OTHER, -1, 0, 0, 0);
    for (unsigned i = 0; i < 30; i++) {
        size_t n = rtp(b, ssrcs[0], (uint16_t)(65520 + i), 160);
        frame(c, 4, 40000, 50000, b, n, K_RTP, 0, dlt == DLT_EN10MB && i == 3, 0, 0);
        n = rtp(b, ssrcs[1], (uint16_t)(100 + i), 20 + 7 * i);
        frame(c, v6, 40002, 50002, b, n, K_RTP, 1, 0, 0, 0);
        if (i < 20) {
            n = rtp(b, ssrcs[2], (uint16_t)(7000 + i), 1200);
            frame(c, 4, 40004, 50004, b, n, K_RTP, 2, 0, 1, 0);
        }
        if (i % 10 == 5) {
            n = rtcp_sr(b, ssrcs[0], i);
            frame(c, 4, 40001, 50001, b, n, K_RTCP, 0, 0, 0, 0); /* port + 1 */
            n = rtcp_sr(b, ssrcs[1], i);
            frame(c, v6, 40002, 50002, b, n, K_RTCP, 1, 0, 0, 0); /* rtcp-mux */
        }
        if (i == 7) {
            static const uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
            frame(c, 4, 40000, 3478, stun, sizeof stun, K_OTHER, -1, 0, 0, 0);
            frame(c, 4, 40000, 50000, b, 40, K_OTHER, -1, 0, 0, 1); /* TCP */
        }
    }
    if (dlt == DLT_EN10MB) { /* ARP */
        pkt *p = &c->p[c->n++];
        memset(p, 0, sizeof *p);
        memcpy(p->d, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x06", 14);
        p->h.caplen = p->h.len = 42;
        p->kind = K_OTHER;
        p->stream = -1;
    }
}

static int write_cap(const cap *c, const char *path)
{
    pcap_t *dead = pcap_open_dead(c->dlt, 65535);
    pcap_dumper_t *dm = dead ? pcap_dump_open(dead, path) : NULL;
    if (!dm)
        return -1;
    for (size_t i = 0; i < c->n; i++)
        pcap_dump((u_char *)dm, &c->p[i].h, c->p[i].d);
    pcap_dump_close(dm);
    pcap_close(dead);
    return 0;
}

static int read_cap(cap *c, const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline(path, err);
    if (!in)
        return -1;
    memset(c, 0, sizeof *c);
    c->dlt = pcap_datalink(in);
    struct pcap_pkthdr *h;
    const u_char *d;
    while (c->n < MAXP && pcap_next_ex(in, &h, &d) == 1) {
        if (h->caplen > FR)
            break;
        c->p[c->n].h = *h;
        memcpy(c->p[c->n].d, d, h->caplen);
        c->n++;
    }
    pcap_close(in);
    return 0;
}

/* ---- running the tool ------------------------------------------------- */

static char err_text[4096];

/* Runs srtp-pcap with argv (NULL-terminated, without argv[0]); returns the
 * exit status; its stderr lands in err_text. */
static int run(const char *const *args)
{
    char errpath[128];
    snprintf(errpath, sizeof errpath, "%s/stderr", dir);
    const char *argv[32];
    int n = 0;
    argv[n++] = tool;
    while (*args && n < 31)
        argv[n++] = *args++;
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_WRONLY);
        if (fd < 0 || nul < 0)
            _exit(126);
        dup2(fd, 2);
        dup2(nul, 1);
        execv(tool, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    memset(err_text, 0, sizeof err_text);
    FILE *f = fopen(errpath, "r");
    if (f) {
        size_t r = fread(err_text, 1, sizeof err_text - 1, f);
        err_text[r] = 0;
        fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int lines_in(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int leaks_key(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strstr(s, b64[i]))
            return 1;
    return 0;
}

static void path(char *out, const char *name)
{
    snprintf(out, 256, "%s/%s", dir, name);
}

static int same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* ---- libsrtp2 cross-check --------------------------------------------- */

static srtp_t ls_session_ssrc(int stream, uint32_t ssrc);

static srtp_t ls_session(int stream)
{
    return ls_session_ssrc(stream, ssrcs[stream]);
}

/* A libsrtp2 session with stream's keys and suite for this SSRC. */
static srtp_t ls_session_ssrc(int stream, uint32_t ssrc)
{
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    srtp_master_key_t mk = { .key = keysalt[stream], .mki_id = (unsigned char *)mki_b,
                             .mki_size = 4 };
    srtp_master_key_t *mkp[1] = { &mk };
    switch (stream) {
    case 0:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
        p.key = keysalt[0];
        break;
    case 1:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
        p.keys = mkp;
        p.num_master_keys = 1;
        break;
    default:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
        p.key = keysalt[2];
        break;
    }
    p.ssrc.type = ssrc_specific;
    p.ssrc.value = ssrc;
    p.window_size = 128;
    srtp_t s = NULL;
    return srtp_create(&s, &p) == srtp_err_status_ok ? s : NULL;
}

/* Overhead srtp-pcap adds to a stream's RTP or RTCP packets. */
static size_t overhead(int stream, enum kind k)
{
    const sg_suite *su = sg_suite_get(stream_suite[stream]);
    size_t mki = stream == 1 ? 4 : 0;
    return k == K_RTP ? su->srtp_tag_len + mki : su->srtcp_tag_len + mki + 4;
}

static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW };

/* Encrypt, check with libsrtp2, decrypt back; for each link type. */
static void test_round_trip_and_libsrtp(void)
{
    for (unsigned t = 0; t < sizeof dlts / sizeof dlts[0]; t++) {
        static cap in, enc, dec;
        char pin[256], penc[256], pdec[256];
        path(pin, "in.pcap");
        path(penc, "enc.pcap");
        path(pdec, "dec.pcap");
        build(&in, dlts[t]);
        CHECK(write_cap(&in, pin) == 0);
        const char *e[] = { "encrypt", "--crypto", line_text[0], "--crypto", line_text[1],
                            "--crypto", line_text[2], pin, penc, NULL };
        int rc = run(e);
        CHECK_MSG(rc == 0, "dlt %d: encrypt exit %d: %s", dlts[t], rc, err_text);
        CHECK_EQ(lines_in(err_text), 1);
        CHECK(strstr(err_text, "encrypted") != NULL);
        CHECK(!leaks_key(err_text));
        CHECK(read_cap(&enc, penc) == 0);
        CHECK_EQ(enc.dlt, dlts[t]);
        CHECK_EQ(enc.n, in.n);
        srtp_t ls[3];
        for (int s = 0; s < 3; s++)
            ls[s] = ls_session(s);
        CHECK(ls[0] && ls[1] && ls[2]);
        size_t checked = 0;
        for (size_t i = 0; i < in.n; i++) {
            const pkt *a = &in.p[i], *b = &enc.p[i];
            if (a->kind == K_OTHER) {
                CHECK_EQ(b->h.caplen, a->h.caplen);
                CHECK_MEM_EQ(b->d, a->d, a->h.caplen);
                continue;
            }
            size_t grown = a->pay_len + overhead(a->stream, a->kind);
            CHECK_MSG(b->h.caplen == a->pay_off + grown && b->h.len == b->h.caplen,
                      "dlt %d packet %zu: length %u, expected %zu", dlts[t], i, b->h.caplen,
                      a->pay_off + grown);
            CHECK_MEM_EQ(b->d, a->d, a->udp_off - (a->ipv == 4 ? 20 : 40)); /* link header */
            /* Lengths and checksums (IPv4 without UDP checksum keeps 0). */
            const uint8_t *ip = b->d + a->ip_off, *udp = b->d + a->udp_off;
            CHECK_EQ(udp[4] << 8 | udp[5], 8 + grown);
            if (a->ipv == 4) {
                CHECK_EQ(ip[2] << 8 | ip[3], 28 + grown);
                CHECK_EQ(csum_fold(csum_add(0, ip, 20)), 0);
            } else {
                CHECK_EQ(ip[4] << 8 | ip[5], 8 + grown);
            }
            uint16_t got = (uint16_t)(udp[6] << 8 | udp[7]);
            if (a->stream == 2 && a->ipv == 4) {
                CHECK_EQ(got, 0);
            } else {
                uint8_t tmp[FR];
                memcpy(tmp, udp, 8 + grown);
                tmp[6] = tmp[7] = 0;
                CHECK_EQ(got, udp_csum(ip, a->ipv, tmp, 8 + grown));
            }
            /* libsrtp2 unprotects srtp-pcap's packet to the original. */
            uint8_t buf[FR];
            memcpy(buf, b->d + a->pay_off, grown);
            int len = (int)grown;
            int use_mki = a->stream == 1;
            int st = a->kind == K_RTP ? srtp_unprotect_mki(ls[a->stream], buf, &len, use_mki)
                                      : srtp_unprotect_rtcp_mki(ls[a->stream], buf, &len, use_mki);
            CHECK_MSG(st == 0, "dlt %d packet %zu (stream %d %s): libsrtp2 status %d", dlts[t],
                      i, a->stream, a->kind == K_RTP ? "RTP" : "RTCP", st);
            CHECK_EQ((size_t)len, a->pay_len);
            CHECK_MEM_EQ(buf, a->d + a->pay_off, a->pay_len);
            checked++;
        }
        for (int s = 0; s < 3; s++)
            srtp_dealloc(ls[s]);
        CHECK(checked > 80);
        /* Decrypt with the lines in another order: each SSRC finds its own. */
        const char *d[] = { "decrypt", "--crypto", line_text[2], "--crypto",
                            line_text[0], "--crypto", line_text[1], penc, pdec, NULL };
        rc = run(d);
        CHECK_MSG(rc == 0, "dlt %d: decrypt exit %d: %s", dlts[t], rc, err_text);
        CHECK(strstr(err_text, " 0 failed authentication, 0 replayed") != NULL);
        CHECK(read_cap(&dec, pdec) == 0);
        CHECK_EQ(dec.n, in.n);
        for (size_t i = 0; i < in.n; i++) {
            CHECK_EQ(dec.p[i].h.caplen, in.p[i].h.caplen);
            CHECK_EQ(dec.p[i].h.len, in.p[i].h.len);
            CHECK_EQ(dec.p[i].h.ts.tv_sec, in.p[i].h.ts.tv_sec);
            CHECK_EQ(dec.p[i].h.ts.tv_usec, in.p[i].h.ts.tv_usec);
            CHECK_MEM_EQ(dec.p[i].d, in.p[i].d, in.p[i].h.caplen);
        }
        /* And the files themselves: same header (link type, microsecond
         * magic, snaplen), same records. */
        CHECK_MSG(same_bytes(pin, pdec), "dlt %d: decrypted file differs from the input",
                  dlts[t]);
    }
}

/* A nanosecond capture stays one, timestamps exact. */
static void test_nanosecond_capture(void)
{
    static cap in;
    char pin[256], penc[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    build(&in, DLT_RAW);
    for (size_t i = 0; i < in.n; i++)
        in.p[i].h.ts.tv_usec = (long)(123456789 - i); /* nanoseconds here */
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535,
                                                        PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *dm = pcap_dump_open(dead, pin);
    CHECK(dm != NULL);
    for (size_t i = 0; i < in.n; i++)
        pcap_dump((u_char *)dm, &in.p[i].h, in.p[i].d);
    pcap_dump_close(dm);
    pcap_close(dead);
    const char *e[] = { "encrypt", "--crypto", line_text[1], pin, penc, NULL };
    CHECK_EQ(run(e), 0);
    const char *d[] = { "decrypt", "--crypto", line_text[1], penc, pdec, NULL };
    CHECK_EQ(run(d), 0);
    CHECK(same_bytes(pin, pdec));
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(penc, PCAP_TSTAMP_PRECISION_NANO, err);
    CHECK(p != NULL);
    struct pcap_pkthdr *h;
    const u_char *data;
    int got = pcap_next_ex(p, &h, &data);
    long frac = got == 1 ? (long)h->ts.tv_usec : -1; /* h dies with p */
    pcap_close(p);
    CHECK_EQ(got, 1);
    CHECK_EQ(frac, 123456789);
}

/* The other direction: libsrtp2 encrypts (each packet rebuilt around its
 * SRTP/SRTCP with the test's own frame builder), srtp-pcap decrypts back to
 * the plain capture, byte for byte. */
static void test_libsrtp_encrypted_capture(void)
{
    static cap in, lenc;
    char pin[256], penc[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    build(&in, DLT_EN10MB);
    CHECK(write_cap(&in, pin) == 0);
    srtp_t ls[3];
    for (int s = 0; s < 3; s++)
        ls[s] = ls_session(s);
    CHECK(ls[0] && ls[1] && ls[2]);
    memset(&lenc, 0, sizeof lenc);
    lenc.dlt = in.dlt;
    int bad = 0;
    for (size_t i = 0; i < in.n; i++) {
        const pkt *a = &in.p[i];
        if (a->kind == K_OTHER) {
            lenc.p[lenc.n++] = *a;
            continue;
        }
        uint8_t buf[FR];
        memcpy(buf, a->d + a->pay_off, a->pay_len);
        int len = (int)a->pay_len, mki = a->stream == 1;
        bad |= a->kind == K_RTP ? srtp_protect_mki(ls[a->stream], buf, &len, mki, 0)
                                : srtp_protect_rtcp_mki(ls[a->stream], buf, &len, mki, 0);
        frame(&lenc, a->ipv, a->sport, a->dport, buf, (size_t)len, a->kind, a->stream, a->vlan,
              a->no_csum, 0);
        lenc.p[lenc.n - 1].h.ts = a->h.ts;
    }
    for (int s = 0; s < 3; s++)
        srtp_dealloc(ls[s]);
    CHECK_EQ(bad, 0);
    CHECK(write_cap(&lenc, penc) == 0);
    const char *d[] = { "decrypt", "--crypto", line_text[1], "--crypto", line_text[2],
                        "--crypto", line_text[0], penc, pdec, NULL };
    int rc = run(d);
    CHECK_MSG(rc == 0, "decrypt exit %d: %s", rc, err_text);
    CHECK_MSG(strstr(err_text, " 0 failed authentication, 0 replayed") != NULL, "%s", err_text);
    CHECK(same_bytes(pin, pdec));
}

/*
 * A re-keying relay forwards the SSRC unchanged: the capture holds SSRC A in
 * two flows (in: line 1's key; out: line 3's key). srtp-pcap keeps a context
 * per SSRC and flow, so both legs decrypt.
 */
static void test_same_ssrc_two_legs(void)
{
    static cap plain, enc;
    char pin[256], penc[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    memset(&plain, 0, sizeof plain);
    memset(&enc, 0, sizeof enc);
    plain.dlt = enc.dlt = DLT_RAW;
    srtp_t in_leg = ls_session_ssrc(0, ssrcs[0]), out_leg = ls_session_ssrc(2, ssrcs[0]);
    CHECK(in_leg && out_leg);
    int bad = 0;
    for (unsigned i = 0; i < 40; i++) {
        uint8_t b[FR];
        size_t n = rtp(b, ssrcs[0], (uint16_t)(900 + i / 2), 160);
        int leg = i % 2;
        uint16_t sport = leg ? 30000 : 40000, dport = leg ? 31000 : 50000;
        frame(&plain, 4, sport, dport, b, n, K_RTP, 0, 0, 0, 0);
        int len = (int)n;
        bad |= srtp_protect(leg ? out_leg : in_leg, b, &len);
        frame(&enc, 4, sport, dport, b, (size_t)len, K_RTP, 0, 0, 0, 0);
    }
    srtp_dealloc(in_leg);
    srtp_dealloc(out_leg);
    CHECK_EQ(bad, 0);
    CHECK(write_cap(&plain, pin) == 0);
    CHECK(write_cap(&enc, penc) == 0);
    const char *d[] = { "decrypt", "--crypto", line_text[0], "--crypto", line_text[2], penc,
                        pdec, NULL };
    int rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK_MSG(strstr(err_text, "40 decrypted, 0 failed authentication") != NULL, "%s", err_text);
    CHECK_MSG(strstr(err_text, "1 SSRCs in 2 streams") != NULL, "%s", err_text);
    CHECK(same_bytes(pin, pdec));
}

/*
 * pcapng input (Wireshark's default format): a hand-written Section Header,
 * Interface Description (LINKTYPE_RAW) and Enhanced Packet Blocks
 * (pcapng spec, draft-ietf-opsawg-pcapng §4.1-4.3) holding the encrypted
 * packets; srtp-pcap decrypts them into a pcap with the plain packets.
 */
static void put_le32(FILE *f, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    fwrite(b, 1, 4, f);
}

static void test_pcapng_input(void)
{
    static cap in, enc, dec;
    char pin[256], penc[256], png[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(png, "enc.pcapng");
    path(pdec, "dec.pcap");
    build(&in, DLT_RAW);
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = { "encrypt", "--crypto", line_text[0], "--crypto", line_text[1],
                        "--crypto", line_text[2], pin, penc, NULL };
    CHECK_EQ(run(e), 0);
    CHECK(read_cap(&enc, penc) == 0);
    FILE *f = fopen(png, "wb");
    CHECK(f != NULL);
    put_le32(f, 0x0A0D0D0A); /* SHB */
    put_le32(f, 28);
    put_le32(f, 0x1A2B3C4D);
    put_le32(f, 0x00000001); /* version 1.0 */
    put_le32(f, 0xffffffff); /* section length unknown */
    put_le32(f, 0xffffffff);
    put_le32(f, 28);
    put_le32(f, 1);          /* IDB */
    put_le32(f, 20);
    put_le32(f, 101);        /* LINKTYPE_RAW, reserved 0 */
    put_le32(f, 0);          /* snaplen: none */
    put_le32(f, 20);
    for (size_t i = 0; i < enc.n; i++) {
        uint32_t cl = enc.p[i].h.caplen, padded = (cl + 3) & ~3u;
        uint64_t us = (uint64_t)enc.p[i].h.ts.tv_sec * 1000000u + (uint64_t)enc.p[i].h.ts.tv_usec;
        put_le32(f, 6);      /* EPB */
        put_le32(f, 32 + padded);
        put_le32(f, 0);      /* interface 0 */
        put_le32(f, (uint32_t)(us >> 32));
        put_le32(f, (uint32_t)us);
        put_le32(f, cl);
        put_le32(f, cl);
        fwrite(enc.p[i].d, 1, cl, f);
        for (uint32_t z = cl; z < padded; z++)
            fputc(0, f);
        put_le32(f, 32 + padded);
    }
    fclose(f);
    const char *d[] = { "decrypt", "--crypto", line_text[0], "--crypto", line_text[1],
                        "--crypto", line_text[2], png, pdec, NULL };
    int rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK(read_cap(&dec, pdec) == 0);
    CHECK_EQ(dec.dlt, DLT_RAW);
    CHECK_EQ(dec.n, in.n);
    for (size_t i = 0; i < in.n; i++) {
        CHECK_EQ(dec.p[i].h.caplen, in.p[i].h.caplen);
        CHECK_EQ(dec.p[i].h.ts.tv_sec, in.p[i].h.ts.tv_sec);
        CHECK_EQ(dec.p[i].h.ts.tv_usec, in.p[i].h.ts.tv_usec);
        CHECK_MEM_EQ(dec.p[i].d, in.p[i].d, in.p[i].h.caplen);
    }
}

/* A capture that starts mid-call, after the sender's sequence number has
 * wrapped 5 times (ROC 5, RFC 3711 §3.3.1), and wraps once more: decrypt
 * finds the ROC (default search 0..7); with --max-roc 4 it cannot. */
static void test_capture_starts_mid_call(void)
{
    static cap plain, enc;
    char pin[256], penc[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    memset(&plain, 0, sizeof plain);
    memset(&enc, 0, sizeof enc);
    plain.dlt = enc.dlt = DLT_RAW;
    srtp_t a = ls_session(0), b = ls_session(1);
    CHECK(a && b);
    CHECK_EQ(srtp_set_stream_roc(a, ssrcs[0], 5), 0);
    CHECK_EQ(srtp_set_stream_roc(b, ssrcs[1], 5), 0);
    int bad = 0;
    for (unsigned i = 0; i < 60; i++) {
        uint8_t pkt_a[FR];
        int k = i % 2;
        size_t n = rtp(pkt_a, ssrcs[k], (uint16_t)(65510 + i / 2), 80);
        frame(&plain, 4, 40000, (uint16_t)(50000 + 2 * k), pkt_a, n, K_RTP, k, 0, 0, 0);
        int len = (int)n;
        bad |= srtp_protect_mki(k ? b : a, pkt_a, &len, k, 0);
        frame(&enc, 4, 40000, (uint16_t)(50000 + 2 * k), pkt_a, (size_t)len, K_RTP, k, 0, 0, 0);
    }
    srtp_dealloc(a);
    srtp_dealloc(b);
    CHECK_EQ(bad, 0);
    CHECK(write_cap(&plain, pin) == 0);
    CHECK(write_cap(&enc, penc) == 0);
    const char *d[] = { "decrypt", "--crypto", line_text[0], "--crypto", line_text[1], penc,
                        pdec, NULL };
    int rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK_MSG(strstr(err_text, "60 decrypted, 0 failed") != NULL, "%s", err_text);
    CHECK(same_bytes(pin, pdec));
    const char *l[] = { "decrypt", "--max-roc", "4", "--crypto", line_text[0], "--crypto",
                        line_text[1], penc, pdec, NULL };
    CHECK_EQ(run(l), 0);
    CHECK_MSG(strstr(err_text, "0 decrypted, 60 failed authentication") != NULL, "%s",
              err_text);
}

/*
 * Key lifetimes and MKI through an SDP line (RFC 4568 §6.1): two keys, the
 * first good for 2^4 packets. encrypt switches to the second key after 16
 * packets (RFC 3711 §9.2 / sg_srtp automatic switch) and writes its MKI;
 * libsrtp2, holding both keys, decrypts every packet; decrypt gives back the
 * capture.
 */
static void test_lifetime_mki_switch(void)
{
    static cap in, enc;
    char pin[256], penc[256], pdec[256], line[512];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    snprintf(line, sizeof line, "1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^4|1:4;inline:%s|2^20|2:4",
             b64[0], b64[2]);
    memset(&in, 0, sizeof in);
    in.dlt = DLT_RAW;
    for (unsigned i = 0; i < 40; i++) {
        uint8_t b[FR];
        size_t n = rtp(b, ssrcs[0], (uint16_t)(100 + i), 60);
        frame(&in, 4, 40000, 50000, b, n, K_RTP, 0, 0, 0, 0);
    }
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = { "encrypt", "--crypto", line, pin, penc, NULL };
    int rc = run(e);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK(read_cap(&enc, penc) == 0);
    CHECK_EQ(enc.n, 40);
    /* libsrtp2 with both keys by MKI. */
    static const uint8_t mki1[4] = { 0, 0, 0, 1 }, mki2[4] = { 0, 0, 0, 2 };
    srtp_master_key_t k1 = { .key = keysalt[0], .mki_id = (unsigned char *)mki1, .mki_size = 4 };
    srtp_master_key_t k2 = { .key = keysalt[2], .mki_id = (unsigned char *)mki2, .mki_size = 4 };
    srtp_master_key_t *ks[2] = { &k1, &k2 };
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
    p.keys = ks;
    p.num_master_keys = 2;
    p.ssrc.type = ssrc_specific;
    p.ssrc.value = ssrcs[0];
    p.window_size = 128;
    srtp_t ls = NULL;
    CHECK_EQ(srtp_create(&ls, &p), 0);
    unsigned with_key2 = 0;
    int bad = 0;
    for (size_t i = 0; i < enc.n; i++) {
        const pkt *a = &in.p[i];
        size_t slen = enc.p[i].h.caplen - a->pay_off;
        uint8_t buf[FR];
        memcpy(buf, enc.p[i].d + a->pay_off, slen);
        const uint8_t *mki = buf + a->pay_len; /* RTP || MKI || tag */
        int second = memcmp(mki, mki2, 4) == 0;
        with_key2 += (unsigned)second;
        if ((i < 16) == second || (!second && memcmp(mki, mki1, 4) != 0))
            bad |= 1;
        int len = (int)slen;
        if (srtp_unprotect_mki(ls, buf, &len, 1) != 0 || (size_t)len != a->pay_len ||
            memcmp(buf, a->d + a->pay_off, a->pay_len) != 0)
            bad |= 2;
    }
    srtp_dealloc(ls);
    CHECK_EQ(bad, 0);
    CHECK_EQ(with_key2, 24);
    const char *d[] = { "decrypt", "--crypto", line, penc, pdec, NULL };
    CHECK_EQ(run(d), 0);
    CHECK(same_bytes(pin, pdec));
}

/* --crypto-file: the keys from an SDP file (CRLF, other SDP lines skipped,
 * a bare LINE too); a bad line names file and line number; a file without
 * crypto lines or a missing file is an error. */
static void test_crypto_file(void)
{
    static cap in;
    char pin[256], penc[256], pdec[256], psdp[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    path(psdp, "keys.sdp");
    build(&in, DLT_LINUX_SLL2);
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = { "encrypt", "--crypto", line_text[0], "--crypto", line_text[1],
                        "--crypto", line_text[2], pin, penc, NULL };
    CHECK_EQ(run(e), 0);
    FILE *f = fopen(psdp, "w");
    CHECK(f != NULL);
    fprintf(f, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
               "m=audio 50000 RTP/SAVP 0\r\n%s\r\na=crypto:%s\r\na=rtpmap:0 PCMU/8000\r\n"
               "# the third key, as a bare line\r\n  %s\r\n",
            line_text[0], line_text[1], line_text[2]);
    fclose(f);
    const char *d[] = { "decrypt", "--crypto-file", psdp, penc, pdec, NULL };
    int rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK(same_bytes(pin, pdec));
    f = fopen(psdp, "w");
    CHECK(f != NULL);
    fprintf(f, "# keys\n%s\nAES_CM_128_HMAC_SHA1_80 inline:%.*s!!\n", line_text[0], 38, b64[0]);
    fclose(f);
    rc = run(d);
    CHECK_EQ(rc, 1);
    CHECK_EQ(lines_in(err_text), 1);
    CHECK_MSG(strstr(err_text, "keys.sdp:3: key is not valid base64") != NULL, "%s", err_text);
    CHECK(!leaks_key(err_text));
    f = fopen(psdp, "w");
    CHECK(f != NULL);
    fprintf(f, "v=0\n# nothing here\n");
    fclose(f);
    CHECK_EQ(run(d), 1);
    CHECK_MSG(strstr(err_text, "no crypto line") != NULL, "%s", err_text);
    const char *m[] = { "decrypt", "--crypto-file", "/nonexistent/keys", penc, pdec, NULL };
    CHECK_EQ(run(m), 1);
    CHECK_EQ(lines_in(err_text), 1);
    unlink(psdp);
}

/* Forged and replayed packets: counted, left out; --keep-failed keeps them
 * unchanged. */
static void test_forged_and_replayed(void)
{
    static cap in, enc, bad, out;
    char pin[256], penc[256], pbad[256], pout[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pbad, "bad.pcap");
    path(pout, "out.pcap");
    build(&in, DLT_RAW);
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = { "encrypt", "--crypto", line_text[0], "--crypto", line_text[1],
                        "--crypto", line_text[2], pin, penc, NULL };
    CHECK_EQ(run(e), 0);
    CHECK(read_cap(&enc, penc) == 0);
    /* bad = enc with packet 5 (RTP) replayed right after itself and one
     * byte of packet 9's payload flipped. */
    memset(&bad, 0, sizeof bad);
    bad.dlt = enc.dlt;
    size_t forged = 9, replayed = 5;
    CHECK(in.p[forged].kind == K_RTP && in.p[replayed].kind == K_RTP);
    for (size_t i = 0; i < enc.n; i++) {
        bad.p[bad.n++] = enc.p[i];
        if (i == replayed)
            bad.p[bad.n++] = enc.p[i];
    }
    pkt *f = &bad.p[forged + 1];
    f->d[in.p[forged].pay_off + 20] ^= 0x08; /* UDP checksum now wrong too: not our business */
    CHECK(write_cap(&bad, pbad) == 0);
    const char *d[] = { "decrypt", "--crypto", line_text[0], "--crypto", line_text[1],
                        "--crypto", line_text[2], pbad, pout, NULL };
    CHECK_EQ(run(d), 0);
    CHECK_MSG(strstr(err_text, " 1 failed authentication, 1 replayed") != NULL, "%s", err_text);
    CHECK(read_cap(&out, pout) == 0);
    CHECK_EQ(out.n, in.n - 1);
    const char *k[] = { "decrypt", "--keep-failed", "--crypto", line_text[0], "--crypto",
                        line_text[1], "--crypto", line_text[2], pbad, pout, NULL };
    CHECK_EQ(run(k), 0);
    CHECK(read_cap(&out, pout) == 0);
    CHECK_EQ(out.n, bad.n);
    CHECK_MEM_EQ(out.p[forged + 1].d, f->d, f->h.caplen);           /* unchanged */
    CHECK_MEM_EQ(out.p[replayed + 1].d, enc.p[replayed].d, enc.p[replayed].h.caplen);
    CHECK_MEM_EQ(out.p[replayed].d, in.p[replayed].d, in.p[replayed].h.caplen); /* decrypted */
}

/* --port picks stream A (RTP on 50000, RTCP on 50001); B and C pass through
 * still encrypted. A wrong key leaves every SRTP packet out, exit 0. */
static void test_port_and_wrong_key(void)
{
    static cap in, enc, out;
    char pin[256], penc[256], pout[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pout, "out.pcap");
    build(&in, DLT_LINUX_SLL);
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = { "encrypt", "--crypto", line_text[0], "--crypto", line_text[1],
                        "--crypto", line_text[2], pin, penc, NULL };
    CHECK_EQ(run(e), 0);
    CHECK(read_cap(&enc, penc) == 0);
    const char *d[] = { "decrypt", "--port", "50000", "--crypto", line_text[0], penc, pout,
                        NULL };
    CHECK_EQ(run(d), 0);
    CHECK(strstr(err_text, " 0 failed authentication") != NULL);
    CHECK(read_cap(&out, pout) == 0);
    CHECK_EQ(out.n, in.n);
    for (size_t i = 0; i < in.n; i++) {
        const pkt *want = in.p[i].stream == 0 || in.p[i].kind == K_OTHER ? &in.p[i] : &enc.p[i];
        CHECK_EQ(out.p[i].h.caplen, want->h.caplen);
        CHECK_MEM_EQ(out.p[i].d, want->d, want->h.caplen);
    }
    /* Line 3's key for everything: only stream C authenticates. */
    const char *w[] = { "decrypt", "--crypto", line_text[2], penc, pout, NULL };
    CHECK_EQ(run(w), 0);
    CHECK(read_cap(&out, pout) == 0);
    size_t expect = 0, failed = 0;
    for (size_t i = 0; i < in.n; i++) {
        if (in.p[i].kind == K_OTHER || in.p[i].stream == 2)
            expect++;
        else
            failed++;
    }
    CHECK_EQ(out.n, expect);
    char want[64];
    snprintf(want, sizeof want, " %zu failed authentication", failed);
    CHECK_MSG(strstr(err_text, want) != NULL, "%s", err_text);
}

/* Bad lines, files and arguments: non-zero exit, exactly one stderr line,
 * never the key text. */
static void test_bad_inputs(void)
{
    char pin[256], pout[256], ptxt[256], pwifi[256], ptrunc[256];
    path(pin, "in.pcap");
    path(pout, "out.pcap");
    path(ptxt, "text.pcap");
    path(pwifi, "wifi.pcap");
    path(ptrunc, "trunc.pcap");
    static cap in;
    build(&in, DLT_RAW);
    CHECK(write_cap(&in, pin) == 0);
    FILE *f = fopen(ptxt, "w");
    CHECK(f != NULL);
    fputs("this is not a capture\n", f);
    fclose(f);
    pcap_t *dead = pcap_open_dead(DLT_IEEE802_11, 65535);
    pcap_dumper_t *dm = pcap_dump_open(dead, pwifi);
    CHECK(dm != NULL);
    pcap_dump((u_char *)dm, &in.p[1].h, in.p[1].d);
    pcap_dump_close(dm);
    pcap_close(dead);
    /* A capture cut in the middle of its last record. */
    {
        FILE *a = fopen(pin, "rb"), *b = fopen(ptrunc, "wb");
        CHECK(a && b);
        char buf[65536];
        size_t n = fread(buf, 1, sizeof buf, a);
        fwrite(buf, 1, n > 100 ? n - 100 : n, b);
        fclose(a);
        fclose(b);
    }
    char bad64[300], badlen[300], unknown[300], badmki[300];
    snprintf(bad64, sizeof bad64, "AES_CM_128_HMAC_SHA1_80 inline:%.*s!!", 38, b64[0]);
    snprintf(badlen, sizeof badlen, "AES_256_CM_HMAC_SHA1_80 inline:%s", b64[0]);
    snprintf(unknown, sizeof unknown, "1 AES_CM_999_HMAC inline:%s", b64[0]);
    snprintf(badmki, sizeof badmki, "AES_CM_128_HMAC_SHA1_80 inline:%s|1:0", b64[0]);
    static const struct { int rc; const char *why; const char *args[10]; } cases[] = {
        { 1, "missing file", { "decrypt", "--crypto", NULL, "/nonexistent/in.pcap", "OUT" } },
        { 1, "not a pcap", { "decrypt", "--crypto", NULL, "TXT", "OUT" } },
        { 1, "802.11 link type", { "decrypt", "--crypto", NULL, "WIFI", "OUT" } },
        { 1, "same file", { "decrypt", "--crypto", NULL, "IN", "IN" } },
        { 1, "bad base64", { "decrypt", "--crypto", "BAD64", "IN", "OUT" } },
        { 1, "key length", { "decrypt", "--crypto", "BADLEN", "IN", "OUT" } },
        { 1, "unknown suite", { "decrypt", "--crypto", "UNKNOWN", "IN", "OUT" } },
        { 1, "MKI length 0", { "decrypt", "--crypto", "BADMKI", "IN", "OUT" } },
        { 1, "truncated capture", { "decrypt", "--crypto", NULL, "TRUNC", "OUT" } },
        { 2, "no --crypto", { "decrypt", "IN", "OUT" } },
        { 2, "bad mode", { "scramble", "--crypto", NULL, "IN", "OUT" } },
        { 2, "port 0", { "decrypt", "--port", "0", "--crypto", NULL, "IN", "OUT" } },
        { 2, "max-roc -1", { "decrypt", "--max-roc", "-1", "--crypto", NULL, "IN", "OUT" } },
        { 2, "missing OUT", { "decrypt", "--crypto", NULL, "IN" } },
        { 2, "unknown option", { "decrypt", "--frobnicate", "--crypto", NULL, "IN", "OUT" } },
    };
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *args[12];
        int n = 0;
        for (int i = 0; i < 10 && (cases[c].args[i] || (i > 0 && cases[c].args[i - 1] &&
                                                        strcmp(cases[c].args[i - 1], "--crypto") == 0));
             i++) {
            const char *a = cases[c].args[i];
            if (!a)
                a = line_text[0];
            else if (!strcmp(a, "IN"))
                a = pin;
            else if (!strcmp(a, "OUT"))
                a = pout;
            else if (!strcmp(a, "TXT"))
                a = ptxt;
            else if (!strcmp(a, "WIFI"))
                a = pwifi;
            else if (!strcmp(a, "TRUNC"))
                a = ptrunc;
            else if (!strcmp(a, "BAD64"))
                a = bad64;
            else if (!strcmp(a, "BADLEN"))
                a = badlen;
            else if (!strcmp(a, "UNKNOWN"))
                a = unknown;
            else if (!strcmp(a, "BADMKI"))
                a = badmki;
            args[n++] = a;
        }
        args[n] = NULL;
        int rc = run(args);
        int nl = lines_in(err_text);
        /* A truncated capture still gets its summary line after the error. */
        int want_lines = strcmp(cases[c].why, "truncated capture") == 0 ? 2 : 1;
        CHECK_MSG(rc == cases[c].rc, "%s: exit %d, expected %d (%s)", cases[c].why, rc,
                  cases[c].rc, err_text);
        CHECK_MSG(nl == want_lines, "%s: %d stderr lines: %s", cases[c].why, nl, err_text);
        CHECK_MSG(strncmp(err_text, "srtp-pcap: ", 11) == 0, "%s: %s", cases[c].why, err_text);
        CHECK_MSG(!leaks_key(err_text), "%s: key text on stderr", cases[c].why);
    }
}

static int setup(void)
{
    char self[PATH_MAX - 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = 0; /* BUILD/tests */
    snprintf(tool, sizeof tool, "%s/../srtp-pcap", self);
    if (access(tool, X_OK) != 0) {
        fprintf(stderr, "pcap_tool_test: %s not built\n", tool);
        return -1;
    }
    snprintf(dir, sizeof dir, "/tmp/pcap_tool_test.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    static const size_t kl[3] = { 30, 44, 30 };
    for (int i = 0; i < 3; i++) {
        for (size_t b = 0; b < kl[i]; b++)
            keysalt[i][b] = (uint8_t)(0x31 * (i + 1) + b * 7);
        EVP_EncodeBlock((unsigned char *)b64[i], keysalt[i], (int)kl[i]);
    }
    snprintf(line_text[0], sizeof line_text[0], "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s",
             b64[0]);
    snprintf(line_text[1], sizeof line_text[1], "2 AEAD_AES_256_GCM inline:%s|2^31|1:4", b64[1]);
    snprintf(line_text[2], sizeof line_text[2], "AES_CM_128_HMAC_SHA1_32 inline:%s", b64[2]);
    return srtp_init() == srtp_err_status_ok ? 0 : -1;
}

static void teardown(void)
{
    static const char *files[] = { "in.pcap", "enc.pcap", "dec.pcap", "bad.pcap", "out.pcap",
                                   "text.pcap", "wifi.pcap", "trunc.pcap", "enc.pcapng",
                                   "stderr" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[256];
        path(p, files[i]);
        unlink(p);
    }
    rmdir(dir);
    srtp_shutdown();
}

int main(void)
{
    if (setup() != 0) {
        fprintf(stderr, "pcap_tool_test: setup failed\n");
        return 1;
    }
    RUN(test_round_trip_and_libsrtp);
    RUN(test_nanosecond_capture);
    RUN(test_libsrtp_encrypted_capture);
    RUN(test_pcapng_input);
    RUN(test_same_ssrc_two_legs);
    RUN(test_crypto_file);
    RUN(test_capture_starts_mid_call);
    RUN(test_lifetime_mki_switch);
    RUN(test_forged_and_replayed);
    RUN(test_port_and_wrong_key);
    RUN(test_bad_inputs);
    teardown();
    return check_summary("pcap_tool");
}
