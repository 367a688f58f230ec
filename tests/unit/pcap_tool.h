/*
 * tests/unit/pcap_tool.h — shared part of the srtp-pcap tool tests
 * (pcap_tool_test.c, pcap_tool_errors_test.c), header-only like
 * tests/check.h: capture building with libpcap (Ethernet, Linux cooked v1/v2,
 * raw IP; IPv4/IPv6; RFC 1071 checksums computed here, independently of the
 * tool), running build/srtp-pcap with its stderr captured, the three crypto
 * lines and matching libsrtp2 sessions.
 */
#ifndef SDESGATE_TESTS_PCAP_TOOL_H
#define SDESGATE_TESTS_PCAP_TOOL_H

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

#define PT_UNUSED __attribute__((unused))

#define MAXP 256
#define FR   2048

enum kind { K_RTP, K_RTCP, K_OTHER };

typedef struct pkt {
    struct pcap_pkthdr h;
    uint8_t d[FR];
    /* What the test put there (input captures only). */
    enum kind kind;
    int stream; /* 0..2, -1 for others */
    int ipv;
    size_t ip_off, udp_off, pay_off, pay_len;
    uint16_t sport, dport; /* to rebuild the frame with another payload */
    int vlan, no_csum;
} pkt;

typedef struct cap {
    int dlt;
    size_t n;
    pkt p[MAXP];
} cap;

static PT_UNUSED char tool[PATH_MAX], dir[64];
static PT_UNUSED char line_text[3][256];
static PT_UNUSED char b64[3][80];
static PT_UNUSED uint8_t keysalt[3][46];

static PT_UNUSED const uint32_t ssrcs[3] = {0xa1a1a1a1, 0xb2b2b2b2, 0xc3c3c3c3};
static PT_UNUSED const sg_suite_id stream_suite[3] = {
    SG_SUITE_AES_CM_128_HMAC_SHA1_80, SG_SUITE_AEAD_AES_256_GCM, SG_SUITE_AES_CM_128_HMAC_SHA1_32};
static PT_UNUSED const uint8_t mki_b[4] = {0, 0, 0, 1}; /* "|1:4" */

/* ---- capture building ------------------------------------------------- */

static inline void w16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void w32(uint8_t *p, uint32_t v)
{
    w16(p, v >> 16);
    w16(p + 2, v & 0xffff);
}

static inline uint16_t csum_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static inline uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 2)
        s += (uint32_t)(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
    return s;
}

/* UDP checksum over pseudo-header (RFC 768 / RFC 8200 §8.1). */
static inline uint16_t udp_csum(const uint8_t *ip, int ipv, const uint8_t *udp, size_t ulen)
{
    uint32_t s = csum_add(0, ipv == 4 ? ip + 12 : ip + 8, ipv == 4 ? 8 : 32);
    s += 17 + (uint32_t)ulen;
    s = csum_add(s, udp, ulen);
    uint16_t c = csum_fold(s);
    return c ? c : 0xffff;
}

/* A frame: link header for dlt, IPv4/IPv6, UDP (or TCP when tcp), payload. */
static inline void frame(cap *c, int ipv, uint16_t sport, uint16_t dport, const uint8_t *pl,
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
        w16(d, 4); /* sent by us */
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

static inline size_t rtp(uint8_t *b, uint32_t ssrc, uint16_t seq, size_t payload)
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

static inline size_t rtcp_sr(uint8_t *b, uint32_t ssrc, unsigned n)
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
static inline void build(cap *c, int dlt)
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
            static const uint8_t stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
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

static inline int write_cap(const cap *c, const char *path)
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

static inline int read_cap(cap *c, const char *path)
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

static PT_UNUSED char err_text[4096];

/* Runs srtp-pcap with argv (NULL-terminated, without argv[0]); returns the
 * exit status; its stderr lands in err_text. */
static inline int run(const char *const *args)
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

static inline int lines_in(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static inline int leaks_key(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strstr(s, b64[i]))
            return 1;
    return 0;
}

static inline void path(char *out, const char *name)
{
    snprintf(out, 256, "%s/%s", dir, name);
}

static inline int same_bytes(const char *a, const char *b)
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

static inline srtp_t ls_session_ssrc(int stream, uint32_t ssrc);

static inline srtp_t ls_session(int stream)
{
    return ls_session_ssrc(stream, ssrcs[stream]);
}

/* A libsrtp2 session with stream's keys and suite for this SSRC. */
static inline srtp_t ls_session_ssrc(int stream, uint32_t ssrc)
{
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    srtp_master_key_t mk = {
        .key = keysalt[stream], .mki_id = (unsigned char *)mki_b, .mki_size = 4};
    srtp_master_key_t *mkp[1] = {&mk};
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
static inline size_t overhead(int stream, enum kind k)
{
    const sg_suite *su = sg_suite_get(stream_suite[stream]);
    size_t mki = stream == 1 ? 4 : 0;
    return k == K_RTP ? su->srtp_tag_len + mki : su->srtcp_tag_len + mki + 4;
}

static PT_UNUSED const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW};

static inline int setup(void)
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
    static const size_t kl[3] = {30, 44, 30};
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

static inline void teardown(void)
{
    static const char *files[] = {"in.pcap",   "enc.pcap",  "dec.pcap",   "bad.pcap",   "out.pcap",
                                  "text.pcap", "wifi.pcap", "trunc.pcap", "enc.pcapng", "stderr"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[256];
        path(p, files[i]);
        unlink(p);
    }
    rmdir(dir);
    srtp_shutdown();
}

#endif
