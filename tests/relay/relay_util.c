/*
 * tests/relay/relay_util.c — process, socket, control and libsrtp2 helpers
 * for the srtpd tests (relay_util.h).
 */
#include "tests/relay/relay_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/interop/libsrtp_peer.h"

ctl_be_doc ru_doc;
static char ru_reply[CTL_MAX_MSG];

int ru_free_port(void)
{
    uint16_t p;
    int fd = ru_udp(&p);
    close(fd);
    return p;
}

int ru_free_range(int n)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* The clock's milliseconds too: tests start several relays a second. */
    unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL) ^ (unsigned)(ts.tv_nsec / 1000000);
    for (int tries = 0; tries < 100; tries++) {
        seed = seed * 1103515245u + 12345u;
        int base = 20000 + (int)((seed >> 8) % 18000u) * 2;
        if (base + n > 60000)
            continue;
        bool ok = true;
        for (int p = base; p < base + n && ok; p += 7) {
            int fd = socket(AF_INET, SOCK_DGRAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
            close(fd);
        }
        if (ok)
            return base;
    }
    return 30000;
}

bool ru_srtpd_wait(ru_srtpd *d)
{
    for (int i = 0; i < 50; i++) {
        /* Quietly: refused until srtpd has its socket. */
        static char reply[512];
        static ctl_be_doc doc;
        const char body[] = "d7:command4:pinge";
        const ctl_be *r;
        char err[200];
        if (ctl_client_call(d->cli, body, sizeof(body) - 1, reply, sizeof(reply), &doc, &r, err,
                            sizeof(err)) == 0 &&
            ctl_be_str_eq(ctl_be_get(&doc, r, "result"), "pong"))
            return true;
        int st;
        if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
            d->pid = 0;
            return false;
        }
        usleep(100000);
    }
    return false;
}

bool ru_srtpd_start(ru_srtpd *d, const char *secret, const char *const *extra)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->ctl, sizeof(d->ctl), "udp:127.0.0.1:%d", ru_free_port());
    d->port_min = ru_free_range(9000);
    d->port_max = d->port_min + 8999;
    snprintf(d->log, sizeof(d->log), "/tmp/srtpd-test-%d-%d.log", (int)getpid(), d->port_min);
    char pmin[16], pmax[16];
    snprintf(pmin, sizeof(pmin), "%d", d->port_min);
    snprintf(pmax, sizeof(pmax), "%d", d->port_max);
    const char *bin = getenv("SRTPD") ? getenv("SRTPD") : "build/srtpd";
    const char *argv[40] = {bin,          "--listen", d->ctl,       "--port-min", pmin,
                            "--port-max", pmax,       "--log-file", d->log};
    int n = 9;
    /* A secret goes in a 0600 file (srtpd refuses one on the command line,
     * where /proc shows it); without one, the UDP control socket needs the
     * explicit lab opt-in. */
    if (secret) {
        snprintf(d->secret_file, sizeof(d->secret_file), "%s.secret", d->log);
        unlink(d->secret_file);
        FILE *sf = NULL;
        int sfd = open(d->secret_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (sfd >= 0)
            sf = fdopen(sfd, "w");
        if (!sf)
            return false;
        fprintf(sf, "%s\n", secret);
        fclose(sf);
        argv[n++] = "--secret-file";
        argv[n++] = d->secret_file;
    } else {
        argv[n++] = "--control-insecure";
    }
    for (int i = 0; extra && extra[i] && n < 38; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    d->pid = fork();
    if (d->pid == 0) {
        /* srtpd dies with the test, even when the test is killed. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    char err[200];
    d->cli = ctl_client_new(d->ctl, secret, secret ? strlen(secret) : 0, 300, 0, err, sizeof(err));
    return d->cli && ru_srtpd_wait(d);
}

int ru_srtpd_stop(ru_srtpd *d)
{
    ctl_client_free(d->cli);
    d->cli = NULL;
    if (d->pid <= 0)
        return -1;
    kill(d->pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        int st;
        if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
            d->pid = 0;
            unlink(d->log);
            if (d->secret_file[0])
                unlink(d->secret_file);
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(50000);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, NULL, 0);
    d->pid = 0;
    return -1;
}

int ru_srtpctl(const ru_srtpd *d, char *out, size_t cap, const char *args)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "build/srtpctl --socket %s %s 2>&1", d->ctl, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool ru_quiet_errors;

const ctl_be *ru_call(ru_srtpd *d, const char *body, size_t len)
{
    char err[200];
    const ctl_be *r;
    if (ctl_client_call(d->cli, body, len, ru_reply, sizeof(ru_reply), &ru_doc, &r, err,
                        sizeof(err)) != 0) {
        fprintf(stderr, "  ctl: %s\n", err);
        return NULL;
    }
    const ctl_be *res = ctl_be_get(&ru_doc, r, "result");
    if (!ru_quiet_errors && !ctl_be_str_eq(res, "ok") && !ctl_be_str_eq(res, "pong")) {
        const char *why = "";
        size_t wl = 0;
        ctl_be_get_str(&ru_doc, r, "error-reason", &why, &wl);
        fprintf(stderr, "  ctl error: %.*s\n", (int)wl, why);
    }
    return r;
}

bool ru_ok(const ctl_be *r)
{
    const ctl_be *res = ctl_be_get(&ru_doc, r, "result");
    return ctl_be_str_eq(res, "ok") || ctl_be_str_eq(res, "pong");
}

const ctl_be *ru_path(const ctl_be *r, const char *path)
{
    char part[64];
    const char *p = path;
    while (r && *p) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof(part))
            return NULL;
        memcpy(part, p, n);
        part[n] = 0;
        p += n + (p[n] == '.');
        if (r->type == CTL_BE_LIST) {
            int idx = atoi(part);
            const ctl_be *c = ctl_be_first(&ru_doc, r);
            while (c && idx-- > 0)
                c = ctl_be_next(&ru_doc, c);
            r = c;
        } else {
            r = ctl_be_get(&ru_doc, r, part);
        }
    }
    return r;
}

int64_t ru_int(const ctl_be *r, const char *path)
{
    const ctl_be *v = ru_path(r, path);
    return v && v->type == CTL_BE_INT ? v->i : -999999;
}

bool ru_str_is(const ctl_be *r, const char *path, const char *want)
{
    const ctl_be *v = ru_path(r, path);
    return v && v->type == CTL_BE_STR && v->len == strlen(want) && !memcmp(v->s, want, v->len);
}

int ru_udp(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rcv = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    socklen_t l = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

int ru_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms, uint16_t *from_port)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return -1;
    struct sockaddr_storage a;
    socklen_t l = sizeof(a);
    ssize_t n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)&a, &l);
    if (from_port)
        *from_port = a.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&a)->sin6_port)
                                             : ntohs(((struct sockaddr_in *)&a)->sin_port);
    return (int)n;
}

int ru_udp6(uint16_t *port)
{
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    socklen_t l = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin6_port);
    return fd;
}

void ru_send6(int fd, uint16_t port, const void *p, size_t len)
{
    struct sockaddr_in6 a = {
        .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(port)};
    sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof(a));
}

void ru_send(int fd, uint16_t port, const void *p, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof(a));
}

void ru_key(const sg_suite *s, unsigned seed, uint8_t *out)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < (size_t)s->key_len + s->salt_len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)x;
    }
}

static void ru_mki_bytes(unsigned v, unsigned len, uint8_t *out)
{
    memset(out, 0, len);
    for (unsigned i = 0; i < len && i < 4; i++)
        out[len - 1 - i] = (uint8_t)(v >> (8 * i));
}

srtp_t ru_libsrtp(const sg_suite *s, const unsigned *seeds, const unsigned *mkis, size_t n,
                  unsigned mki_len, bool outbound)
{
    static bool inited;
    if (!inited) {
        srtp_init();
        inited = true;
    }
    /* libsrtp2's policies and key table: the interop tests' peer. */
    lsp_keytab t;
    if (n > LSP_MAX_KEYS)
        n = LSP_MAX_KEYS;
    for (size_t i = 0; i < n; i++) {
        ru_key(s, seeds[i], t.material[i]);
        ru_mki_bytes(mkis ? mkis[i] : 0, mki_len, t.mki[i]);
    }
    srtp_policy_t p;
    memset(&p, 0, sizeof(p));
    lsp_policy_suite(s->id, &p);
    p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    lsp_policy_keys(&p, &t, (unsigned)n, mki_len);
    p.window_size = 1024;
    srtp_t out = NULL;
    if (srtp_create(&out, &p) != srtp_err_status_ok)
        out = NULL;
    lsp_keytab_wipe(&t);
    return out;
}

srtp_t ru_libsrtp1(const sg_suite *s, unsigned seed, bool outbound)
{
    unsigned no_mki = 1;
    return ru_libsrtp(s, &seed, &no_mki, 1, 0, outbound);
}

void ru_req_streams(ctl_benc *w, char *buf, size_t cap, const char *command, const char *call_id)
{
    ctl_benc_init(w, buf, cap);
    ctl_benc_dict(w);
    ctl_benc_kv_cstr(w, "call-id", call_id);
    ctl_benc_kv_cstr(w, "command", command);
    ctl_benc_cstr(w, "streams");
    ctl_benc_list(w);
}

void ru_req_begin(ctl_benc *w, char *buf, size_t cap, const char *command, const char *call_id)
{
    ru_req_streams(w, buf, cap, command, call_id);
    ctl_benc_dict(w);
}

const ctl_be *ru_req_end(ru_srtpd *d, ctl_benc *w)
{
    ctl_benc_kv_int(w, "index", 0);
    ctl_benc_end(w); /* stream */
    ctl_benc_end(w); /* streams */
    ctl_benc_end(w); /* request */
    return ru_call(d, w->buf, w->len);
}

void ru_leg_begin(ctl_benc *w, const char *name, const char *address, uint16_t port)
{
    ctl_benc_cstr(w, name);
    ctl_benc_dict(w);
    if (address) {
        ctl_benc_kv_cstr(w, "address", address);
        if (port)
            ctl_benc_kv_int(w, "port", port);
    }
}

void ru_leg_keys(ctl_benc *w, const sg_suite *s, unsigned recv_seed, unsigned send_seed)
{
    unsigned no_mki = 1;
    ru_crypto(w, "recv", s, &recv_seed, &no_mki, NULL, 1, 0, 0);
    ru_crypto(w, "send", s, &send_seed, &no_mki, NULL, 1, 0, 0);
}

void ru_crypto(ctl_benc *w, const char *dir, const sg_suite *s, const unsigned *seeds,
               const unsigned *mkis, const uint64_t *lifetimes, size_t n, unsigned mki_len,
               int64_t soft_limit)
{
    ctl_benc_cstr(w, dir);
    ctl_benc_dict(w);
    ctl_benc_cstr(w, "keys");
    ctl_benc_list(w);
    for (size_t i = 0; i < n; i++) {
        uint8_t mat[64];
        ru_key(s, seeds[i], mat);
        ctl_benc_dict(w);
        ctl_benc_kv_str(w, "key", mat, (size_t)s->key_len + s->salt_len);
        if (lifetimes && lifetimes[i])
            ctl_benc_kv_int(w, "lifetime", (int64_t)lifetimes[i]);
        if (mki_len)
            ctl_benc_kv_int(w, "mki", mkis[i]);
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "mki-len", mki_len);
    if (soft_limit > 0)
        ctl_benc_kv_int(w, "soft-limit", soft_limit);
    ctl_benc_kv_cstr(w, "suite", s->name);
    ctl_benc_end(w);
}

size_t ru_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq, size_t payload)
{
    buf[0] = 0x80;
    buf[1] = 0;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    uint32_t ts = (uint32_t)seq * 160;
    buf[4] = (uint8_t)(ts >> 24);
    buf[5] = (uint8_t)(ts >> 16);
    buf[6] = (uint8_t)(ts >> 8);
    buf[7] = (uint8_t)ts;
    buf[8] = (uint8_t)(ssrc >> 24);
    buf[9] = (uint8_t)(ssrc >> 16);
    buf[10] = (uint8_t)(ssrc >> 8);
    buf[11] = (uint8_t)ssrc;
    for (size_t i = 0; i < payload; i++)
        buf[12 + i] = (uint8_t)(ssrc * 7 + seq * 13 + i);
    return 12 + payload;
}

bool ru_rtp_check(const uint8_t *buf, size_t len, uint32_t ssrc, uint16_t seq, size_t payload)
{
    uint8_t want[2048];
    size_t n = ru_rtp(want, ssrc, seq, payload);
    return len == n && memcmp(buf, want, n) == 0;
}

size_t ru_rtcp(uint8_t *buf, uint32_t ssrc, unsigned n)
{
    /* RFC 3550 §6.4.1 SR without report blocks: 28 bytes. */
    memset(buf, 0, 28);
    buf[0] = 0x80;
    buf[1] = 200;
    buf[3] = 6;
    buf[4] = (uint8_t)(ssrc >> 24);
    buf[5] = (uint8_t)(ssrc >> 16);
    buf[6] = (uint8_t)(ssrc >> 8);
    buf[7] = (uint8_t)ssrc;
    buf[20] = (uint8_t)n;
    buf[27] = (uint8_t)(n * 3);
    return 28;
}
