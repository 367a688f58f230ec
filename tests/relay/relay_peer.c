/*
 * tests/relay/relay_peer.c — call-level helpers of the srtpd process tests
 * (relay_peer.h): libsrtp2 endpoints, offer/answer set-up, checked flows.
 */
#include "tests/relay/relay_peer.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void ep_open(ep *e, bool srtp)
{
    memset(e, 0, sizeof(*e));
    e->rtp = ru_udp(&e->prtp);
    e->rtcp = ru_udp(&e->prtcp);
    e->srtp = srtp;
}

void ep_close(ep *e)
{
    close(e->rtp);
    close(e->rtcp);
    if (e->tx)
        srtp_dealloc(e->tx);
    if (e->rx)
        srtp_dealloc(e->rx);
}

/* Seeds: base+1 A->srtpd, base+2 srtpd->A, base+3 B->srtpd, base+4 srtpd->B.
 * Every direction has its own key: SRTP->SRTP re-encrypts. */
static void leg_dict(ctl_benc *w, const char *name, const tcall *c, const ep *e, unsigned base)
{
    ru_leg_begin(w, name, "127.0.0.1", e->prtp);
    ctl_benc_kv_int(w, "rtcp-port", e->prtcp);
    if (e->srtp) {
        unsigned rs[1] = {base + 1}, ss[1] = {base + 2}, mk[1] = {1};
        ru_crypto(w, "recv", c->s, rs, mk, NULL, 1, c->mki_len, 0);
        ru_crypto(w, "send", c->s, ss, mk, NULL, 1, c->mki_len, 0);
    }
    ctl_benc_kv_cstr(w, "transport", e->srtp ? "SRTP" : "RTP");
    ctl_benc_end(w);
}

unsigned seed_base;

/* offer (leg a complete, leg b transport only), then answer (leg b). */
bool call_setup(tcall *c, const sg_suite *s, bool a_srtp, bool b_srtp, unsigned mki_len)
{
    memset(c, 0, sizeof(*c));
    c->s = s;
    c->mki_len = mki_len;
    seed_base += 10;
    snprintf(c->id, sizeof(c->id), "call-%u@test", seed_base);
    ep_open(&c->A, a_srtp);
    ep_open(&c->B, b_srtp);
    unsigned ab = seed_base, bb = seed_base + 2;
    unsigned one = 1;
    if (a_srtp) {
        unsigned k1 = ab + 1, k2 = ab + 2;
        c->A.tx = ru_libsrtp(s, &k1, &one, 1, mki_len, true);
        c->A.rx = ru_libsrtp(s, &k2, &one, 1, mki_len, false);
        if (!c->A.tx || !c->A.rx)
            return false;
    }
    if (b_srtp) {
        unsigned k1 = bb + 1, k2 = bb + 2;
        c->B.tx = ru_libsrtp(s, &k1, &one, 1, mki_len, true);
        c->B.rx = ru_libsrtp(s, &k2, &one, 1, mki_len, false);
        if (!c->B.tx || !c->B.rx)
            return false;
    }
    char buf[4096];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", c->id);
    leg_dict(&w, "a", c, &c->A, ab);
    ru_leg_begin(&w, "b", NULL, 0);
    ctl_benc_kv_cstr(&w, "transport", b_srtp ? "SRTP" : "RTP");
    ctl_benc_end(&w);
    const ctl_be *r = ru_req_end(&D, &w);
    if (!r || !ru_ok(r))
        return false;
    c->a_port = (uint16_t)ru_int(r, "streams.0.a.port");
    c->b_port = (uint16_t)ru_int(r, "streams.0.b.port");
    if (ru_int(r, "streams.0.a.rtcp-port") != c->a_port + 1 || c->a_port % 2)
        return false;
    ru_req_begin(&w, buf, sizeof(buf), "answer", c->id);
    leg_dict(&w, "b", c, &c->B, bb);
    r = ru_req_end(&D, &w);
    return r && ru_ok(r) && ru_int(r, "streams.0.b.port") == c->b_port;
}

void call_teardown(tcall *c)
{
    ep_close(&c->A);
    ep_close(&c->B);
}

bool call_a_two_keys(tcall *c, const sg_suite *s, unsigned ab)
{
    srtp_dealloc(c->A.tx);
    srtp_dealloc(c->A.rx);
    unsigned txs[2] = {ab + 1, ab + 101}, rxs[2] = {ab + 2, ab + 102}, mk[2] = {1, 2};
    c->A.tx = ru_libsrtp(s, txs, mk, 2, 2, true);
    c->A.rx = ru_libsrtp(s, rxs, mk, 2, 2, false);
    return c->A.tx && c->A.rx;
}

const ctl_be *cmd_call(const char *cmd, const char *id)
{
    char buf[512];
    ctl_benc w;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    if (id)
        ctl_benc_kv_cstr(&w, "call-id", id);
    ctl_benc_kv_cstr(&w, "command", cmd);
    ctl_benc_end(&w);
    return ru_call(&D, buf, w.len);
}

bool log_has_no_key(const char *path, char *why, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, cap, "cannot read %s", path);
        return false;
    }
    static char logbuf[1 << 20];
    size_t n = fread(logbuf, 1, sizeof(logbuf) - 1, f);
    fclose(f);
    logbuf[n] = 0;
    if (n == 0) {
        snprintf(why, cap, "%s is empty", path);
        return false;
    }
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    for (unsigned seed = 0; seed < seed_base + 20; seed++) {
        uint8_t k[64];
        char hex[20];
        ru_key(s, seed, k);
        snprintf(hex, sizeof(hex), "%02x%02x%02x%02x%02x%02x", k[0], k[1], k[2], k[3], k[4], k[5]);
        if (strstr(logbuf, hex)) {
            snprintf(why, cap, "key bytes of seed %u in the log", seed);
            return false;
        }
    }
    return true;
}

const ctl_be *state_req(const char *cmd, const char *id, const void *st, size_t stlen, int64_t ifv,
                        const char *ifv_text, bool with_stream)
{
    static char buf[20480]; /* the largest sdes-state (16 KiB) and more */
    ctl_benc w;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "call-id", id);
    ctl_benc_kv_cstr(&w, "command", cmd);
    if (ifv >= 0)
        ctl_benc_kv_int(&w, "if-version", ifv);
    if (ifv_text)
        ctl_benc_kv_cstr(&w, "if-version", ifv_text);
    if (st)
        ctl_benc_kv_str(&w, "sdes-state", st, stlen);
    if (with_stream) {
        ctl_benc_cstr(&w, "streams");
        ctl_benc_list(&w);
        ctl_benc_dict(&w);
        if (!strcmp(cmd, "answer")) {
            ctl_benc_cstr(&w, "b");
            ctl_benc_dict(&w);
            ctl_benc_kv_cstr(&w, "address", "127.0.0.1");
            ctl_benc_kv_int(&w, "port", 40000);
            ctl_benc_end(&w);
        }
        ctl_benc_kv_int(&w, "index", 0);
        ctl_benc_end(&w);
        ctl_benc_end(&w);
    }
    ctl_benc_end(&w);
    return ctl_benc_ok(&w) ? ru_call(&D, buf, w.len) : NULL;
}

/* Sends n RTP packets from one endpoint through srtpd to the other, one at
 * a time, and counts those that arrive intact and in order. With mki_index
 * >= 0 the sender uses that libsrtp2 key (MKI). */
int flow(const ep *from, uint16_t to_port, const ep *to, uint32_t ssrc, uint16_t seq0, int n,
         int mki_index)
{
    int good = 0;
    for (int i = 0; i < n; i++) {
        uint8_t buf[2048];
        int len = (int)ru_rtp(buf, ssrc, (uint16_t)(seq0 + i), 160);
        if (from->srtp) {
            int st = mki_index >= 0 ? srtp_protect_mki(from->tx, buf, &len, 1, (unsigned)mki_index)
                                    : srtp_protect(from->tx, buf, &len);
            if (st != srtp_err_status_ok) {
                fprintf(stderr, "  libsrtp2 protect: %d\n", st);
                return -1;
            }
        }
        ru_send(from->rtp, to_port, buf, (size_t)len);
        int r = ru_recv(to->rtp, buf, sizeof(buf), 1000, NULL);
        if (r < 0)
            continue;
        if (to->srtp) {
            int st = to->rx ? (int)srtp_unprotect_mki(to->rx, buf, &r, 1) : -1;
            if (st != srtp_err_status_ok) {
                st = srtp_unprotect(to->rx, buf, &r);
                if (st != srtp_err_status_ok) {
                    fprintf(stderr, "  libsrtp2 unprotect: %d\n", st);
                    continue;
                }
            }
        }
        if (ru_rtp_check(buf, (size_t)r, ssrc, (uint16_t)(seq0 + i), 160))
            good++;
    }
    return good;
}

int flow_nomki(const ep *from, uint16_t to_port, const ep *to, uint32_t ssrc, uint16_t seq0, int n)
{
    int good = 0;
    for (int i = 0; i < n; i++) {
        uint8_t buf[2048];
        int len = (int)ru_rtp(buf, ssrc, (uint16_t)(seq0 + i), 160);
        if (from->srtp && srtp_protect(from->tx, buf, &len) != srtp_err_status_ok)
            return -1;
        ru_send(from->rtp, to_port, buf, (size_t)len);
        int r = ru_recv(to->rtp, buf, sizeof(buf), 1000, NULL);
        if (r < 0)
            continue;
        if (to->srtp && srtp_unprotect(to->rx, buf, &r) != srtp_err_status_ok)
            continue;
        if (ru_rtp_check(buf, (size_t)r, ssrc, (uint16_t)(seq0 + i), 160))
            good++;
    }
    return good;
}

int flow_rtcp(const ep *from, uint16_t to_port, const ep *to, uint32_t ssrc, int n)
{
    int good = 0;
    for (int i = 0; i < n; i++) {
        uint8_t buf[2048], want[64];
        int len = (int)ru_rtcp(buf, ssrc, (unsigned)i);
        memcpy(want, buf, (size_t)len);
        int wl = len;
        if (from->srtp && srtp_protect_rtcp(from->tx, buf, &len) != srtp_err_status_ok)
            return -1;
        ru_send(from->rtcp, (uint16_t)(to_port + 1), buf, (size_t)len);
        int r = ru_recv(to->rtcp, buf, sizeof(buf), 1000, NULL);
        if (r < 0)
            continue;
        if (to->srtp && srtp_unprotect_rtcp(to->rx, buf, &r) != srtp_err_status_ok)
            continue;
        if (r == wl && memcmp(buf, want, (size_t)wl) == 0)
            good++;
    }
    return good;
}

bool rtcp_srtp_to_plain(const ep *from, int from_fd, uint16_t to_port, int to_fd, uint32_t ssrc,
                        unsigned n, int mki_index)
{
    uint8_t buf[2048], want[64];
    int len = (int)ru_rtcp(buf, ssrc, n);
    memcpy(want, buf, (size_t)len);
    int wl = len;
    int st = mki_index >= 0 ? srtp_protect_rtcp_mki(from->tx, buf, &len, 1, (unsigned)mki_index)
                            : srtp_protect_rtcp(from->tx, buf, &len);
    if (st != srtp_err_status_ok)
        return false;
    ru_send(from_fd, to_port, buf, (size_t)len);
    int r = ru_recv(to_fd, buf, sizeof(buf), 1000, NULL);
    return r == wl && memcmp(buf, want, (size_t)wl) == 0;
}

bool rtcp_plain_to_srtp(int from_fd, uint16_t to_port, const ep *to, int to_fd, uint32_t ssrc,
                        unsigned n, bool mki)
{
    uint8_t buf[2048], want[64];
    int len = (int)ru_rtcp(buf, ssrc, n);
    memcpy(want, buf, (size_t)len);
    int wl = len;
    ru_send(from_fd, to_port, buf, (size_t)len);
    int r = ru_recv(to_fd, buf, sizeof(buf), 1000, NULL);
    if (r <= wl) /* SRTCP adds at least the E||index word and a tag */
        return false;
    int st =
        mki ? srtp_unprotect_rtcp_mki(to->rx, buf, &r, 1) : srtp_unprotect_rtcp(to->rx, buf, &r);
    return st == srtp_err_status_ok && r == wl && memcmp(buf, want, (size_t)wl) == 0;
}

const ctl_be *rekey(const char *id, const char *leg, const char *dir, const sg_suite *s,
                    int add_seed, int add_mki, unsigned mki_len, int use, int retire)
{
    (void)mki_len;
    return rekey_after(id, leg, dir, s, add_seed, add_mki, use, retire, -1);
}

const ctl_be *rekey_after(const char *id, const char *leg, const char *dir, const sg_suite *s,
                          int add_seed, int add_mki, int use, int retire, int64_t after)
{
    char buf[1024];
    ctl_benc w;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    if (add_seed >= 0) {
        uint8_t mat[64];
        ru_key(s, (unsigned)add_seed, mat);
        ctl_benc_cstr(&w, "add");
        ctl_benc_list(&w);
        ctl_benc_dict(&w);
        ctl_benc_kv_str(&w, "key", mat, (size_t)s->key_len + s->salt_len);
        ctl_benc_kv_int(&w, "mki", add_mki);
        ctl_benc_end(&w);
        ctl_benc_end(&w);
    }
    ctl_benc_kv_cstr(&w, "call-id", id);
    ctl_benc_kv_cstr(&w, "command", "rekey");
    ctl_benc_kv_cstr(&w, "dir", dir);
    ctl_benc_kv_cstr(&w, "leg", leg);
    if (retire >= 0) {
        ctl_benc_cstr(&w, "retire");
        ctl_benc_list(&w);
        ctl_benc_int(&w, retire);
        ctl_benc_end(&w);
    }
    if (after >= 0)
        ctl_benc_kv_int(&w, "switch-after", after);
    if (use >= 0)
        ctl_benc_kv_int(&w, "use", use);
    ctl_benc_end(&w);
    return ru_call(&D, buf, w.len);
}
