/*
 * rtp/tools/srtpctl.c — the operator's tool for srtpd: which calls are up,
 * which legs are encrypted with which suite and MKI, how many packets were
 * dropped and why; rekey and delete by Call-ID. Speaks the control protocol
 * (docs/protocol.md) through the shared client (rtp/ctl/client.h).
 *
 *   srtpctl [--socket ADDR] [--secret-file F] [--json]
 *           [--timeout MS] COMMAND [--] [ARGS]
 *   "--" ends the options: a Call-ID may begin with '-' (RFC 3261 word).
 *   COMMAND: ping | list | query CALLID | stats | events
 *            | rekey CALLID [--leg a|b] [--dir send|recv] [--stream N]
 *                           [--use MKI | --retire MKI | --next]
 *            | delete CALLID | log-level [error|warn|info|debug]
 *
 * Output: a table by default, the reply as JSON with --json. Never prints
 * key material (srtpd never sends any back: MKI and fingerprints only).
 */
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/bencode.h"
#include "ctl/client.h"
#include "sdesgate_version.h"
#include "ctl/secret.h"

/* srtpd's shipped control socket (cfg/srtpd.conf). */
#define SRTPCTL_DEFAULT_SOCKET "unix:/run/srtpd/srtpd.sock"

#define RELAY_ID_SHOW 128

static ctl_be_doc doc;
static char reply[CTL_MAX_MSG];

static void usage(FILE *f)
{
    fprintf(f,
            "usage: srtpctl [--socket ADDR] [--secret-file F] [--json] [--timeout MS]\n"
            "               COMMAND [--] [ARGS]\n"
            "       srtpctl --version\n"
            "commands:\n"
            "  ping                 is srtpd there\n"
            "  list                 calls with their legs' interface, transport and suites\n"
            "  query CALLID         one call: per stream and leg, peer, suites, keys (MKI,\n"
            "                       fingerprint, use), packets and drops by reason\n"
            "  stats                daemon totals and per-worker counters\n"
            "  events               take queued events (soft-limit, key-switched, media-timeout)\n"
            "  rekey CALLID [--leg a|b] [--dir send|recv] [--stream N]\n"
            "               [--use MKI | --retire MKI | --next]\n"
            "                       switch keys by MKI; default: --next on the send side of\n"
            "                       every SRTP leg (the next installed key takes over)\n"
            "  delete CALLID        remove a call; prints its final statistics\n"
            "  log-level [LEVEL]    print srtpd's log level, or set it (error, warn, info,\n"
            "                       debug) until the next change or restart\n"
            "  drain [on|off]       refuse new calls (existing ones continue); off: take them\n"
            "  reload               re-read the configuration (as SIGHUP): live options apply,\n"
            "                       changed restart-only ones are named and ignored\n"
            "  takeover             a standby srtpd takes every call of the store over\n"
            "                       (keepalived's notify script; docs/ha.md)\n"
            "--: what follows is no option (a Call-ID that begins with '-')\n"
            "ADDR: unix:/path, udp:IP:PORT, [V6]:PORT (default " SRTPCTL_DEFAULT_SOCKET "\n"
            "      or $SRTPCTL_SOCKET)\n"
            "F: the control secret, first line, >= 16 bytes, mode 0600 (or 0640: warned)\n");
}

/* ---- JSON output of any reply ---- */

static void json_str(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* Iterative would be nicer, but the decoder already bounds depth to
 * CTL_BE_MAX_DEPTH, so this recursion is bounded too. */
static void json(const ctl_be *n, int ind)
{
    switch (n->type) {
    case CTL_BE_INT:
        printf("%lld", (long long)n->i);
        break;
    case CTL_BE_STR:
        json_str(n->s, n->len);
        break;
    case CTL_BE_LIST:
    case CTL_BE_DICT: {
        bool dict = n->type == CTL_BE_DICT;
        if (!n->len) {
            fputs(dict ? "{}" : "[]", stdout);
            break;
        }
        puts(dict ? "{" : "[");
        for (const ctl_be *c = ctl_be_first(&doc, n); c; c = ctl_be_next(&doc, c)) {
            printf("%*s", ind + 2, "");
            if (dict) {
                json_str(c->key, c->key_len);
                fputs(": ", stdout);
            }
            json(c, ind + 2);
            puts(c->next >= 0 ? "," : "");
        }
        printf("%*s%c", ind, "", dict ? '}' : ']');
        break;
    }
    }
}

/* ---- table helpers ---- */

static const ctl_be *get(const ctl_be *d, const char *path)
{
    char part[64];
    while (d && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(part))
            return NULL;
        memcpy(part, path, n);
        part[n] = 0;
        path += n + (path[n] == '.');
        d = ctl_be_get(&doc, d, part);
    }
    return d;
}

static long long geti(const ctl_be *d, const char *path)
{
    const ctl_be *v = get(d, path);
    return v && v->type == CTL_BE_INT ? (long long)v->i : 0;
}

static const char *gets_(const ctl_be *d, const char *path, char *buf, size_t cap)
{
    const ctl_be *v = get(d, path);
    if (!v || v->type != CTL_BE_STR) {
        snprintf(buf, cap, "-");
        return buf;
    }
    snprintf(buf, cap, "%.*s", (int)v->len, v->s);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return buf;
}

/* "AES_CM_128_HMAC_SHA1_80 mki 2 (3f2a91c0)" for the current send key. */
static void key_summary(const ctl_be *dir, char *out, size_t cap)
{
    char suite[64], fp[16];
    if (!dir) {
        snprintf(out, cap, "-");
        return;
    }
    gets_(dir, "suite", suite, sizeof(suite));
    const ctl_be *keys = ctl_be_get(&doc, dir, "keys");
    const ctl_be *cur = ctl_be_first(&doc, keys);
    for (const ctl_be *k = cur; k; k = ctl_be_next(&doc, k))
        if (geti(k, "current"))
            cur = k;
    if (cur && get(cur, "mki"))
        snprintf(out, cap, "%s mki %lld (%s)", suite, geti(cur, "mki"),
                 gets_(cur, "fingerprint", fp, sizeof(fp)));
    else if (cur)
        snprintf(out, cap, "%s (%s)", suite, gets_(cur, "fingerprint", fp, sizeof(fp)));
    else
        snprintf(out, cap, "%s", suite);
}

static void print_list(const ctl_be *r)
{
    printf("%-36s %3s %8s  %-34s %-34s\n", "CALL-ID", "#", "AGE", "LEG A (send suite)",
           "LEG B (send suite)");
    int n = 0;
    for (const ctl_be *c = ctl_be_first(&doc, get(r, "calls")); c; c = ctl_be_next(&doc, c)) {
        char id[RELAY_ID_SHOW], a[96], b[96], ta[8], tb[8], ia[40] = "", ib[40] = "";
        const ctl_be *s0 = ctl_be_first(&doc, get(c, "streams"));
        gets_(c, "call-id", id, sizeof(id));
        /* The media interface, when srtpd has named ones (not "default"). */
        if (get(s0, "a.interface") && strcmp(gets_(s0, "a.interface", ia, 32), "default") != 0)
            strcat(ia, ":");
        else
            ia[0] = 0;
        if (get(s0, "b.interface") && strcmp(gets_(s0, "b.interface", ib, 32), "default") != 0)
            strcat(ib, ":");
        else
            ib[0] = 0;
        snprintf(a, sizeof(a), "%s%s ", ia, gets_(s0, "a.transport", ta, sizeof(ta)));
        if (get(s0, "a.send-suite"))
            gets_(s0, "a.send-suite", a + strlen(a), sizeof(a) - strlen(a));
        snprintf(b, sizeof(b), "%s%s ", ib, gets_(s0, "b.transport", tb, sizeof(tb)));
        if (get(s0, "b.send-suite"))
            gets_(s0, "b.send-suite", b + strlen(b), sizeof(b) - strlen(b));
        printf("%-36s %3zu %7.1fs  %-34s %-34s\n", id, get(c, "streams")->len,
               (double)geti(c, "age-ms") / 1000.0, a, b);
        n++;
    }
    printf("%d call(s)\n", n);
}

static void print_streams(const ctl_be *r)
{
    printf("%-3s %-3s %-5s %6s %-22s %-44s %-44s %9s %9s %6s %6s %6s %6s %6s\n", "IDX", "LEG",
           "TRANS", "PORT", "PEER", "SEND (current key)", "RECV", "RTP-IN", "RTP-OUT", "AUTH",
           "REPLAY", "MKI", "MALF", "SRC");
    for (const ctl_be *s = ctl_be_first(&doc, get(r, "streams")); s; s = ctl_be_next(&doc, s)) {
        for (int l = 0; l < 2; l++) {
            const ctl_be *g = get(s, l ? "b" : "a");
            char tr[8], peer[64], send[96], recv[96];
            key_summary(get(g, "send"), send, sizeof(send));
            key_summary(get(g, "recv"), recv, sizeof(recv));
            printf("%-3lld %-3s %-5s %6lld %-22s %-44s %-44s %9lld %9lld %6lld %6lld %6lld %6lld "
                   "%6lld\n",
                   geti(s, "index"), l ? "b" : "a", gets_(g, "transport", tr, sizeof(tr)),
                   geti(g, "local-port"), gets_(g, "peer-rtp", peer, sizeof(peer)), send, recv,
                   geti(g, "rtp-in"), geti(g, "rtp-out"), geti(g, "drops.auth"),
                   geti(g, "drops.replay"), geti(g, "drops.unknown-mki"),
                   geti(g, "drops.malformed"), geti(g, "drops.source"));
        }
    }
}

static void print_stats(const ctl_be *r)
{
    printf("uptime %.1fs, calls %lld (created %lld, deleted %lld, timed out %lld), streams %lld\n",
           (double)geti(r, "uptime-ms") / 1000.0, geti(r, "calls"), geti(r, "calls-created"),
           geti(r, "calls-deleted"), geti(r, "calls-timed-out"), geti(r, "streams"));
    printf("media: rtp in %lld out %lld, rtcp in %lld out %lld, bytes in %lld out %lld, "
           "stun %lld\n",
           geti(r, "media.rtp-in"), geti(r, "media.rtp-out"), geti(r, "media.rtcp-in"),
           geti(r, "media.rtcp-out"), geti(r, "media.bytes-in"), geti(r, "media.bytes-out"),
           geti(r, "media.stun"));
    printf("drops:");
    for (const ctl_be *d = ctl_be_first(&doc, get(r, "media.drops")); d; d = ctl_be_next(&doc, d))
        printf(" %.*s %lld", (int)d->key_len, d->key, (long long)d->i);
    printf("\nevents queued %lld, lost %lld\n", geti(r, "events-queued"), geti(r, "events-lost"));
    printf("%-7s %8s %12s %12s %10s %10s\n", "WORKER", "STREAMS", "PKTS-IN", "PKTS-OUT", "DROPS",
           "BATCHES");
    int i = 0;
    for (const ctl_be *w = ctl_be_first(&doc, get(r, "workers")); w; w = ctl_be_next(&doc, w))
        printf("%-7d %8lld %12lld %12lld %10lld %10lld\n", i++, geti(w, "streams"),
               geti(w, "packets-in"), geti(w, "packets-out"), geti(w, "drops"), geti(w, "batches"));
}

static void print_events(const ctl_be *r)
{
    int n = 0;
    for (const ctl_be *e = ctl_be_first(&doc, get(r, "events")); e; e = ctl_be_next(&doc, e)) {
        char t[32], id[RELAY_ID_SHOW], leg[4];
        printf("%-6lld %-14s %-36s stream %-3lld leg %s\n", geti(e, "seq"),
               gets_(e, "type", t, sizeof(t)), gets_(e, "call-id", id, sizeof(id)),
               get(e, "stream") ? geti(e, "stream") : -1LL, gets_(e, "leg", leg, sizeof(leg)));
        n++;
    }
    printf("%d event(s), %lld pending, %lld lost\n", n, geti(r, "pending"), geti(r, "lost"));
}

static int call(ctl_client *c, const char *body, size_t len, const ctl_be **r)
{
    char err[256];
    if (ctl_client_call(c, body, len, reply, sizeof(reply), &doc, r, err, sizeof(err)) != 0) {
        fprintf(stderr, "srtpctl: %s\n", err);
        return -1;
    }
    const ctl_be *res = ctl_be_get(&doc, *r, "result");
    if (!ctl_be_str_eq(res, "ok") && !ctl_be_str_eq(res, "pong")) {
        char why[200];
        fprintf(stderr, "srtpctl: error: %s\n", gets_(*r, "error-reason", why, sizeof(why)));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *sock = getenv("SRTPCTL_SOCKET");
    const char *secret = NULL, *secret_file = NULL;
    const char *leg = NULL, *dir = "send";
    long long use = -1, retire = -1, stream = -1;
    bool as_json = false, next = false;
    int timeout = 1000;
    const char *pos[3] = {0};
    int npos = 0;
    bool opts = true; /* until "--": a Call-ID may begin with '-' (RFC 3261 word) */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (!opts || a[0] != '-') {
            if (npos >= 3) {
                fprintf(stderr, "srtpctl: unexpected argument: %s\n", a);
                usage(stderr);
                return 2;
            }
            pos[npos++] = a;
        } else if (!strcmp(a, "--"))
            opts = false;
        else if (!strcmp(a, "--json"))
            as_json = true;
        else if (!strcmp(a, "--next"))
            next = true;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("srtpctl %s\n", SDESGATE_VERSION);
            return 0;
        } else if (!strcmp(a, "--socket") && has)
            sock = argv[++i];
        else if (!strcmp(a, "--secret") || !strncmp(a, "--secret=", 9)) {
            /* Every local user reads a secret on the command line. */
            fprintf(stderr, "srtpctl: --secret on the command line is readable by every local "
                            "user (/proc/PID/cmdline): use --secret-file FILE (mode 0600)\n");
            return 2;
        } else if (!strcmp(a, "--secret-file") && has)
            secret_file = argv[++i];
        else if (!strcmp(a, "--timeout") && has)
            timeout = atoi(argv[++i]);
        else if (!strcmp(a, "--leg") && has)
            leg = argv[++i];
        else if (!strcmp(a, "--dir") && has)
            dir = argv[++i];
        else if (!strcmp(a, "--use") && has)
            use = atoll(argv[++i]);
        else if (!strcmp(a, "--retire") && has)
            retire = atoll(argv[++i]);
        else if (!strcmp(a, "--stream") && has)
            stream = atoll(argv[++i]);
        else {
            fprintf(stderr,
                    "srtpctl: unexpected argument: %s (a Call-ID that begins with"
                    " '-' goes after --)\n",
                    a);
            usage(stderr);
            return 2;
        }
    }
    if (!npos) {
        usage(stderr);
        return 2;
    }
    if (!sock)
        sock = SRTPCTL_DEFAULT_SOCKET;
    static char secbuf[CTL_SECRET_MAX + 1];
    if (secret_file) {
        char why[400], warn[400];
        size_t sl;
        if (!ctl_secret_read_file(secret_file, secbuf, sizeof(secbuf), &sl, why, sizeof(why), warn,
                                  sizeof(warn))) {
            fprintf(stderr, "srtpctl: %s\n", why);
            return 2;
        }
        if (warn[0])
            fprintf(stderr, "srtpctl: warning: %s\n", warn);
        secret = secbuf;
    }
    const char *cmd = pos[0], *id = pos[1];
    static const struct {
        const char *name, *wire;
        bool needs_id;
    } cmds[] = {
        {"ping", "ping", false},        {"list", "list", false},
        {"stats", "statistics", false}, {"events", "events", false},
        {"query", "query", true},       {"rekey", "rekey", true},
        {"delete", "delete", true},     {"log-level", "log-level", false},
        {"reload", "reload", false},    {"takeover", "takeover", false},
    };
    const char *wire = NULL;
    bool needs_id = false;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(cmd, cmds[i].name)) {
            wire = cmds[i].wire;
            needs_id = cmds[i].needs_id;
        }
    /* drain [on|off]: the argument is a switch, not a Call-ID. */
    int drain = -1;
    if (!strcmp(cmd, "drain")) {
        wire = "drain";
        drain = !id || !strcmp(id, "on") ? 1 : !strcmp(id, "off") ? 0 : -1;
        if (drain < 0) {
            fprintf(stderr, "srtpctl: drain takes on or off\n");
            return 2;
        }
        id = NULL;
    }
    if (!wire) {
        fprintf(stderr, "srtpctl: unknown command: %s\n", cmd);
        usage(stderr);
        return 2;
    }
    bool is_level = !strcmp(cmd, "log-level"); /* its argument is optional */
    if (needs_id != (id != NULL) && !is_level) {
        fprintf(stderr, "srtpctl: %s %s\n", cmd, needs_id ? "needs a CALLID" : "takes no CALLID");
        return 2;
    }
    char err[256];
    ctl_client *c =
        ctl_client_new(sock, secret, secret ? strlen(secret) : 0, timeout, 2, err, sizeof(err));
    OPENSSL_cleanse(secbuf, sizeof(secbuf)); /* the client holds its own copy */
    if (!c) {
        fprintf(stderr, "srtpctl: %s\n", err);
        return 1;
    }
    char body[1024];
    ctl_benc w;
    const ctl_be *r;
    int rc = 0;
    if (!strcmp(cmd, "rekey")) {
        /* Which legs: the one named, else every leg whose send side is SRTP
         * (learned from a query). */
        const char *legs[2] = {leg, NULL};
        if (!leg) {
            ctl_benc_init(&w, body, sizeof(body));
            ctl_benc_dict(&w);
            ctl_benc_kv_cstr(&w, "call-id", id);
            ctl_benc_kv_cstr(&w, "command", "query");
            ctl_benc_end(&w);
            if ((rc = call(c, body, w.len, &r)) != 0)
                goto out;
            int n = 0;
            const ctl_be *s0 = ctl_be_first(&doc, get(r, "streams"));
            if (get(s0, strcmp(dir, "recv") ? "a.send" : "a.recv"))
                legs[n++] = "a";
            if (get(s0, strcmp(dir, "recv") ? "b.send" : "b.recv"))
                legs[n++] = "b";
            if (!n) {
                fprintf(stderr, "srtpctl: call %s has no SRTP leg to rekey\n", id);
                rc = 1;
                goto out;
            }
        }
        if (use < 0 && retire < 0)
            next = true;
        for (int k = 0; k < 2 && legs[k]; k++) {
            ctl_benc_init(&w, body, sizeof(body));
            ctl_benc_dict(&w);
            ctl_benc_kv_cstr(&w, "call-id", id);
            ctl_benc_kv_cstr(&w, "command", "rekey");
            ctl_benc_kv_cstr(&w, "dir", dir);
            ctl_benc_kv_cstr(&w, "leg", legs[k]);
            if (next)
                ctl_benc_kv_int(&w, "next", 1);
            if (retire >= 0) {
                ctl_benc_cstr(&w, "retire");
                ctl_benc_list(&w);
                ctl_benc_int(&w, retire);
                ctl_benc_end(&w);
            }
            if (stream >= 0)
                ctl_benc_kv_int(&w, "stream", stream);
            if (use >= 0)
                ctl_benc_kv_int(&w, "use", use);
            ctl_benc_end(&w);
            if ((rc = call(c, body, w.len, &r)) != 0)
                goto out;
            if (as_json) {
                json(r, 0);
                putchar('\n');
            } else {
                printf("call %s leg %s %s: rekeyed on %lld stream(s)\n", id, legs[k], dir,
                       geti(r, "streams"));
            }
        }
        goto out;
    }
    ctl_benc_init(&w, body, sizeof(body));
    ctl_benc_dict(&w);
    if (id && !is_level)
        ctl_benc_kv_cstr(&w, "call-id", id);
    ctl_benc_kv_cstr(&w, "command", wire);
    if (id && is_level)
        ctl_benc_kv_cstr(&w, "level", id);
    if (drain >= 0)
        ctl_benc_kv_int(&w, "drain", drain);
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w)) {
        fprintf(stderr, "srtpctl: CALLID too long\n");
        rc = 2;
        goto out;
    }
    if ((rc = call(c, body, w.len, &r)) != 0)
        goto out;
    if (as_json) {
        json(r, 0);
        putchar('\n');
    } else if (!strcmp(cmd, "ping")) {
        puts("pong");
    } else if (!strcmp(cmd, "list")) {
        print_list(r);
    } else if (!strcmp(cmd, "stats")) {
        print_stats(r);
    } else if (!strcmp(cmd, "events")) {
        print_events(r);
    } else if (is_level) {
        char lv[16], prev[16], tg[16];
        gets_(r, "log-level", lv, sizeof(lv));
        gets_(r, "previous", prev, sizeof(prev));
        gets_(r, "target", tg, sizeof(tg));
        if (id && strcmp(lv, prev))
            printf("log-level %s (was %s), logging to %s\n", lv, prev, tg);
        else
            printf("log-level %s, logging to %s\n", lv, tg);
    } else if (!strcmp(cmd, "drain")) {
        printf("draining %s; %lld call(s) continue\n", geti(r, "draining") ? "on" : "off",
               geti(r, "calls"));
    } else if (!strcmp(cmd, "reload")) {
        char a[512], o[512];
        printf("reloaded; applied: %s; restart-only, ignored: %s\n",
               gets_(r, "applied", a, sizeof(a))[0] ? a : "-",
               gets_(r, "restart-only", o, sizeof(o))[0] ? o : "-");
    } else if (!strcmp(cmd, "takeover")) {
        int64_t n = 0, got = 0;
        ctl_be_get_int(&doc, r, "calls", &n);
        bool took = ctl_be_get_int(&doc, r, "recovered", &got);
        if (took)
            printf("active: took over %lld call(s), %lld in all\n", (long long)got, (long long)n);
        else
            printf("active already: %lld call(s)\n", (long long)n);
    } else {
        char cid[RELAY_ID_SHOW];
        printf("call %s%s\n", gets_(r, "call-id", cid, sizeof(cid)),
               !strcmp(cmd, "delete") ? " deleted; final statistics:" : "");
        print_streams(r);
    }
out:
    ctl_client_free(c);
    return rc < 0 ? 1 : rc;
}
