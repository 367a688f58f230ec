/*
 * tests/interop/pcap_rtpengine_test.c — srtp-pcap against SRTP that nobody
 * here wrote: Debian's RTPengine (its own SRTP code, not libsrtp2), driven
 * over its ng protocol on loopback. For each suite both implement —
 * including F8_128_HMAC_SHA1_80 (RFC 3711 §4.1.2) and AES_192_CM (RFC 6188),
 * which libsrtp2 cannot cross-check — a call is set up plain-RTP caller ->
 * RTPengine -> SRTP callee (offer with transport-protocol RTP/SAVP; the
 * callee's answer picks the suite and brings its own key; rtcp-mux, and every
 * fifth packet is RTCP, so SRTCP is covered too):
 *
 *   RTPengine -> callee: RTPengine encrypts with the key of its offer line;
 *     the datagrams the callee receives are written to a pcap and
 *     srtp-pcap decrypts them with that a=crypto line, as copied from the
 *     SDP (unpadded base64 and all): every packet must be the RTP the
 *     caller sent.
 *   callee -> RTPengine: plain RTP in a pcap is encrypted by srtp-pcap with
 *     the answer's a=crypto line and sent; RTPengine must decrypt every
 *     packet and hand the caller the original RTP.
 *
 * A SLOW_TEST: it starts rtpengine (empty config file, loopback only, so the
 * packaged config with its public listeners is not read) and stops it by its pid.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/rand.h>

#include "ctl/bencode.h"
#include "tests/unit/pcap_tool.h"

#define NPKT 40

static pid_t rtpe = -1;
static int ng_fd = -1;
static struct sockaddr_in ng_to;
static char reply[65536];
static ctl_be_doc doc;

static int udp_socket(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0)
        return -1;
    struct timeval tv = {.tv_sec = 0, .tv_usec = 300000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    *port = ntohs(a.sin_port);
    return fd;
}

/* One ng request (cookie, space, bencoded dict); the decoded reply dict. */
static const ctl_be *ng(const char *body, size_t len)
{
    static unsigned seq;
    char msg[16384];
    int n = snprintf(msg, sizeof msg, "c%u_%d ", ++seq, (int)getpid());
    if (n < 0 || (size_t)n + len > sizeof msg)
        return NULL;
    memcpy(msg + n, body, len);
    for (int attempt = 0; attempt < 20; attempt++) {
        sendto(ng_fd, msg, (size_t)n + len, 0, (struct sockaddr *)&ng_to, sizeof ng_to);
        ssize_t r = recv(ng_fd, reply, sizeof reply, 0);
        if (r <= n || memcmp(reply, msg, (size_t)n) != 0)
            continue;
        return ctl_be_decode(&doc, reply + n, (size_t)r - (size_t)n);
    }
    return NULL;
}

static int start_rtpengine(void)
{
    char conf[256], log[256], listen[64], pmin[32], pmax[32];
    path(conf, "empty.conf");
    path(log, "rtpengine.log");
    /* "Empty", but with its group: rtpengine 10.5 exits 255 without a word
     * on a zero-byte config file. */
    FILE *f = fopen(conf, "w");
    if (!f)
        return -1;
    fputs("[rtpengine]\n", f);
    fclose(f);
    uint16_t ngp;
    ng_fd = udp_socket(&ngp); /* our side; rtpengine's ng port below */
    uint16_t probe;
    int pf = udp_socket(&probe); /* a free port number for rtpengine's ng */
    if (ng_fd < 0 || pf < 0)
        return -1;
    close(pf);
    unsigned base = 30000 + (unsigned)(getpid() % 300) * 100;
    snprintf(listen, sizeof listen, "--listen-ng=127.0.0.1:%u", probe);
    snprintf(pmin, sizeof pmin, "--port-min=%u", base);
    snprintf(pmax, sizeof pmax, "--port-max=%u", base + 99);
    char cf[300];
    snprintf(cf, sizeof cf, "--config-file=%s", conf);
    rtpe = fork();
    if (rtpe == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execlp("rtpengine", "rtpengine", cf, "--foreground", "--log-stderr", "--table=-1",
               "--interface=127.0.0.1", listen, pmin, pmax, (char *)NULL);
        _exit(127);
    }
    if (rtpe < 0)
        return -1;
    ng_to.sin_family = AF_INET;
    ng_to.sin_port = htons(probe);
    ng_to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const ctl_be *r = ng("d7:command4:pinge", 17); /* retried for ~6 s */
    return r && ctl_be_get(&doc, r, "result") ? 0 : -1;
}

static void stop_rtpengine(void)
{
    if (rtpe > 0) {
        kill(rtpe, SIGTERM);
        int st;
        for (int i = 0; i < 50 && waitpid(rtpe, &st, WNOHANG) == 0; i++)
            usleep(100000);
        if (waitpid(rtpe, &st, WNOHANG) == 0) {
            kill(rtpe, SIGKILL);
            waitpid(rtpe, &st, 0);
        }
        rtpe = -1;
    }
}

/* The SDP of a reply ("sdp" key) into out; false when missing. */
static bool reply_sdp(const ctl_be *r, char *out, size_t out_cap)
{
    const char *res = NULL;
    size_t rl = 0;
    if (!r || !ctl_be_get_str(&doc, r, "result", &res, &rl) || rl != 2 || memcmp(res, "ok", 2))
        return false;
    return ctl_be_get_cstr(&doc, r, "sdp", out, out_cap);
}

static unsigned sdp_port(const char *sdp)
{
    const char *m = strstr(sdp, "m=audio ");
    return m ? (unsigned)strtoul(m + 8, NULL, 10) : 0;
}

/* The a=crypto line of this suite in sdp, without CR/LF, into out. */
static bool sdp_crypto(const char *sdp, const char *suite, char *out, size_t out_cap)
{
    for (const char *l = strstr(sdp, "a=crypto:"); l; l = strstr(l + 1, "a=crypto:")) {
        const char *sp = strchr(l, ' ');
        size_t sl = strlen(suite);
        if (sp && strncmp(sp + 1, suite, sl) == 0 && sp[1 + sl] == ' ') {
            size_t n = strcspn(l, "\r\n");
            if (n >= out_cap)
                return false;
            memcpy(out, l, n);
            out[n] = 0;
            return true;
        }
    }
    return false;
}

/* Packet i of a direction: RTP, every fifth an RTCP sender report on the
 * same port (rtcp-mux, RFC 5761), so SRTCP crosses too. */
static size_t packet(uint8_t *b, uint32_t ssrc, uint16_t seq0, unsigned i)
{
    if (i % 5 == 4)
        return rtcp_sr(b, ssrc, i);
    return rtp(b, ssrc, (uint16_t)(seq0 + i), 160);
}

static int one_suite(const sg_suite *su, const char **why)
{
    static const char sdp_offer[] =
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\na=sendrecv\r\n";
    uint16_t pa, pb;
    int caller = udp_socket(&pa), callee = udp_socket(&pb);
    char sdp[4096], body[8192], rsdp[8192], rline[512], ourline[512], callid[64];
    int rc = -1;
    if (caller < 0 || callee < 0) {
        *why = "sockets";
        goto out;
    }
    snprintf(callid, sizeof callid, "pcap-%s-%d", su->name, (int)getpid());
    /* offer: plain caller, SRTP towards the callee. */
    snprintf(sdp, sizeof sdp, sdp_offer, pa);
    ctl_benc w;
    ctl_benc_init(&w, body, sizeof body);
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "offer");
    ctl_benc_kv_cstr(&w, "call-id", callid);
    ctl_benc_kv_cstr(&w, "from-tag", "caller");
    ctl_benc_kv_cstr(&w, "sdp", sdp);
    ctl_benc_kv_cstr(&w, "transport-protocol", "RTP/SAVP");
    ctl_benc_kv_cstr(&w, "DTLS", "off");
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w) || !reply_sdp(ng(body, w.len), rsdp, sizeof rsdp)) {
        *why = "offer refused";
        goto out;
    }
    unsigned callee_facing = sdp_port(rsdp);
    if (!sdp_crypto(rsdp, su->name, rline, sizeof rline)) {
        *why = "RTPengine did not offer the suite";
        goto out;
    }
    unsigned tag = (unsigned)strtoul(rline + 9, NULL, 10);
    /* answer: the callee picks the suite (same tag) and sends its own key. */
    uint8_t ks[46];
    char b64k[80];
    RAND_bytes(ks, su->key_len + su->salt_len);
    EVP_EncodeBlock((unsigned char *)b64k, ks, su->key_len + su->salt_len);
    snprintf(ourline, sizeof ourline, "a=crypto:%u %s inline:%s", tag, su->name, b64k);
    snprintf(sdp, sizeof sdp,
             "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
             "m=audio %u RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n%s\r\na=rtcp-mux\r\n"
             "a=sendrecv\r\n",
             pb, ourline);
    ctl_benc_init(&w, body, sizeof body);
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "answer");
    ctl_benc_kv_cstr(&w, "call-id", callid);
    ctl_benc_kv_cstr(&w, "from-tag", "caller");
    ctl_benc_kv_cstr(&w, "to-tag", "callee");
    ctl_benc_kv_cstr(&w, "sdp", sdp);
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w) || !reply_sdp(ng(body, w.len), rsdp, sizeof rsdp)) {
        *why = "answer refused";
        goto out;
    }
    unsigned caller_facing = sdp_port(rsdp);
    if (!callee_facing || !caller_facing) {
        *why = "no media ports in RTPengine's SDP";
        goto out;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

    /* RTPengine -> callee: decrypt what arrives with RTPengine's line. */
    static cap plain, enc;
    memset(&plain, 0, sizeof plain);
    memset(&enc, 0, sizeof enc);
    plain.dlt = enc.dlt = DLT_RAW;
    to.sin_port = htons((uint16_t)caller_facing);
    unsigned got = 0;
    for (unsigned i = 0; i < NPKT; i++) {
        uint8_t b[FR];
        size_t n = packet(b, 0xca11e400u, 1000, i);
        frame(&plain, 4, 40000, 50000, b, n, K_RTP, 0, 0, 0, 0);
        sendto(caller, b, n, 0, (struct sockaddr *)&to, sizeof to);
        ssize_t r = recv(callee, b, sizeof b, 0);
        if (r > 0) {
            frame(&enc, 4, 40000, 50000, b, (size_t)r, K_RTP, 0, 0, 0, 0);
            got++;
        }
    }
    if (got != NPKT) {
        *why = "RTPengine did not forward every packet to the callee";
        goto out;
    }
    char pin[256], penc[256], pdec[256];
    path(pin, "rtpe-plain.pcap");
    path(penc, "rtpe-srtp.pcap");
    path(pdec, "rtpe-dec.pcap");
    if (write_cap(&plain, pin) || write_cap(&enc, penc)) {
        *why = "writing pcaps";
        goto out;
    }
    const char *d[] = {"decrypt", "--crypto", rline, penc, pdec, NULL};
    if (run(d) != 0 || !strstr(err_text, " 0 failed authentication")) {
        *why = "srtp-pcap could not decrypt RTPengine's SRTP";
        fprintf(stderr, "    srtp-pcap: %s", err_text);
        goto out;
    }
    if (!same_bytes(pin, pdec)) {
        *why = "srtp-pcap decrypted RTPengine's SRTP to other bytes";
        goto out;
    }

    /* callee -> RTPengine: srtp-pcap encrypts with our answer line. */
    memset(&plain, 0, sizeof plain);
    plain.dlt = DLT_RAW;
    for (unsigned i = 0; i < NPKT; i++) {
        uint8_t b[FR];
        size_t n = packet(b, 0xca11ee00u, 7000, i);
        frame(&plain, 4, 40000, 50000, b, n, K_RTP, 0, 0, 0, 0);
    }
    if (write_cap(&plain, pin)) {
        *why = "writing pcaps";
        goto out;
    }
    const char *e[] = {"encrypt", "--crypto", ourline, pin, penc, NULL};
    if (run(e) != 0 || read_cap(&enc, penc) != 0 || enc.n != NPKT) {
        *why = "srtp-pcap encrypt failed";
        goto out;
    }
    to.sin_port = htons((uint16_t)callee_facing);
    got = 0;
    for (unsigned i = 0; i < NPKT; i++) {
        const pkt *p = &enc.p[i];
        sendto(callee, p->d + plain.p[i].pay_off, p->h.caplen - plain.p[i].pay_off, 0,
               (struct sockaddr *)&to, sizeof to);
        uint8_t b[FR];
        ssize_t r = recv(caller, b, sizeof b, 0);
        if (r == (ssize_t)plain.p[i].pay_len &&
            memcmp(b, plain.p[i].d + plain.p[i].pay_off, (size_t)r) == 0)
            got++;
    }
    if (got != NPKT) {
        *why = "RTPengine did not decrypt every packet srtp-pcap encrypted";
        fprintf(stderr, "    %u of %u came through\n", got, NPKT);
        goto out;
    }
    printf("# %-24s %u packets (%u SRTCP) RTPengine -> srtp-pcap decrypt, the same "
           "srtp-pcap encrypt -> RTPengine\n",
           su->name, NPKT, NPKT / 5);
    rc = 0;
out:
    /* delete with delete-delay 0, else RTPengine keeps the call 30 s */
    ctl_benc_init(&w, body, sizeof body);
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "delete");
    ctl_benc_kv_cstr(&w, "call-id", callid);
    ctl_benc_kv_cstr(&w, "from-tag", "caller");
    ctl_benc_kv_int(&w, "delete-delay", 0);
    ctl_benc_end(&w);
    if (ctl_benc_ok(&w))
        ng(body, w.len);
    if (caller >= 0)
        close(caller);
    if (callee >= 0)
        close(callee);
    OPENSSL_cleanse(ourline, sizeof ourline);
    OPENSSL_cleanse(rline, sizeof rline);
    OPENSSL_cleanse(b64k, sizeof b64k);
    OPENSSL_cleanse(ks, sizeof ks);
    return rc;
}

static void test_rtpengine_suites(void)
{
    CHECK_MSG(start_rtpengine() == 0, "rtpengine did not start or answer ping");
    unsigned done = 0;
    for (int id = 0; id < SG_SUITE_COUNT; id++) {
        const sg_suite *su = sg_suite_get((sg_suite_id)id);
        const char *why = "";
        int rc = one_suite(su, &why);
        CHECK_MSG(rc == 0, "%s: %s", su->name, why);
        done++;
    }
    CHECK_EQ(done, SG_SUITE_COUNT);
}

int main(void)
{
    if (setup() != 0) {
        fprintf(stderr, "pcap_rtpengine: setup failed\n");
        return 1;
    }
    RUN(test_rtpengine_suites);
    stop_rtpengine();
    char p[256];
    static const char *files[] = {"empty.conf", "rtpengine.log", "rtpe-plain.pcap",
                                  "rtpe-srtp.pcap", "rtpe-dec.pcap"};
    if (check_failed_) {
        path(p, "rtpengine.log");
        fprintf(stderr, "rtpengine log kept: %s\n", p);
    } else {
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            path(p, files[i]);
            unlink(p);
        }
        teardown();
    }
    return check_summary("pcap_rtpengine");
}
