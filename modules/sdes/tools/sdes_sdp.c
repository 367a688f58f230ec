/*
 * modules/sdes/tools/sdes_sdp.c — build/sdes-sdp, the operator's view of the
 * SDES engine: runs one SDP through sdes_offer() (or, with --answer, the
 * offer file through sdes_offer() and stdin through sdes_answer()) and prints
 * the rewritten SDP, keys masked unless --show-keys.
 *
 *   sdes-sdp --mode encrypt|decrypt|rekey|passthrough|osrtp [--policy P]
 *            [--relay ADDR:PORT] [--show-keys] [--answer OFFER_FILE]
 *            [--results] [--rekey] [--keep-ice] [--isolate] [--state FILE] < SDP
 *
 * --relay: m= line i gets ADDR and PORT+2i (IPv6 as [ADDR]:PORT). With
 * --answer, the internal offer pass uses PORT+1000+2i toward the answerer.
 * --results: per m= line what the relay would get, on stderr (keys masked
 * unless --show-keys). Notes (stripped a=crypto and why) go to stderr as
 * "sdes-sdp: note: ..." lines. --state FILE keeps the engine state between
 * runs (offer, then `--answer -` against it, then re-offers), packed, mode
 * 0600 because it holds keys. Exit: 0 ok; 1 the engine rejected the SDP (one
 * line on stderr: the rejection code and reason); 2 usage or I/O error.
 */
#include "sdes/engine/sdes_engine.h"
#include "sdesgate_version.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
    fputs("usage: sdes-sdp --mode encrypt|decrypt|rekey|passthrough|osrtp [--policy P]\n"
          "                [--relay ADDR:PORT] [--show-keys] [--answer OFFER_FILE]\n"
          "                [--results] [--rekey] [--keep-ice] [--isolate] [--state FILE] < SDP\n"
          "       sdes-sdp --version\n",
          stderr);
}

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = SDES_SDP_MAX_BODY + 2, n = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    size_t r;
    while (n < cap && (r = fread(b + n, 1, cap - n, f)) > 0)
        n += r;
    if (ferror(f)) {
        free(b);
        return NULL;
    }
    *len = n;
    return b;
}

static int parse_relay(const char *s, char *addr, size_t cap, unsigned *port)
{
    const char *colon;
    size_t alen;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':')
            return -1;
        alen = (size_t)(e - s - 1);
        memcpy(addr, s + 1, alen < cap ? alen : 0);
        colon = e + 1;
        s++;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        alen = (size_t)(colon - s);
    }
    if (alen == 0 || alen >= cap)
        return -1;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end || p == 0 || p > 65535)
        return -1;
    *port = (unsigned)p;
    return 0;
}

static void fill_relays(sdes_relay *r, const char *addr, unsigned port, unsigned offset)
{
    for (unsigned i = 0; i < SDES_MAX_MEDIA; i++) {
        memset(&r[i], 0, sizeof r[i]);
        if (!addr[0])
            continue;
        snprintf(r[i].addr, sizeof r[i].addr, "%s", addr);
        unsigned p = port + offset + 2 * i;
        r[i].port = (uint16_t)(p > 65534 ? 65534 : p);
    }
}

static void print_notes(const sdes_result *r)
{
    const char *p = r->notes;
    while (*p) {
        const char *e = strstr(p, "; ");
        size_t n = e ? (size_t)(e - p) : strlen(p);
        fprintf(stderr, "sdes-sdp: note: %.*s\n", (int)n, p);
        p += n + (e ? 2 : 0);
    }
}

static void print_keyset(const char *name, const sdes_keyset *k, bool show)
{
    if (!k->srtp) {
        fprintf(stderr, " %s=plain", name);
        return;
    }
    fprintf(stderr, " %s=%s/tag%u/keys%u", name, sg_suite_get(k->suite)->name, k->tag, k->n_keys);
    for (size_t i = 0; i < k->n_keys; i++) {
        const sdes_key_param *kp = &k->keys[i];
        fputc(i ? ',' : '[', stderr);
        if (show) {
            for (size_t j = 0; j < kp->key_salt_len; j++)
                fprintf(stderr, "%02x", kp->key_salt[j]);
        } else {
            fputs("***", stderr);
        }
        if (kp->mki_len) {
            fputs("|mki=", stderr);
            for (size_t j = 0; j < kp->mki_len; j++)
                fprintf(stderr, "%02x", kp->mki[j]);
        }
        if (kp->lifetime)
            fprintf(stderr, "|life=%llu", (unsigned long long)kp->lifetime);
    }
    if (k->n_keys)
        fputc(']', stderr);
}

static void print_results(const sdes_result *r, bool show)
{
    static const char *st[] = {"untouched", "disabled", "plain", "srtp", "passthrough"};
    for (int i = 0; i < r->n_media; i++) {
        const sdes_media_result *m = &r->media[i];
        fprintf(stderr, "sdes-sdp: m=%d %s %s", i, m->media, st[m->state]);
        if (m->state >= SDES_MEDIA_PLAIN) {
            fprintf(stderr, " relay=%s:%u peer=%s:%u%s%s%s", m->relay.addr[0] ? m->relay.addr : "-",
                    m->relay.port, m->peer_addr, m->peer_port, m->rtcp_mux ? " rtcp-mux" : "",
                    m->hold ? " hold" : "", m->rekeyed ? " rekeyed" : "");
            if (m->roc == SG_ROC_RESET)
                fputs(" roc=reset", stderr);
            print_keyset("a_rx", &m->a_rx, show);
            print_keyset("a_tx", &m->a_tx, show);
            print_keyset("b_rx", &m->b_rx, show);
            print_keyset("b_tx", &m->b_tx, show);
        }
        fputc('\n', stderr);
    }
}

/* The state file: sdes_state_pack() bytes. A missing or empty file is a
 * fresh state. */
static int load_state(const char *path, sdes_state *st)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static uint8_t buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    int rc = 0;
    if (n && !sdes_state_unpack(buf, n, st)) {
        fprintf(stderr, "sdes-sdp: %s: not a valid state file\n", path);
        rc = -1;
    }
    OPENSSL_cleanse(buf, n);
    return rc;
}

static int save_state(const char *path, const sdes_state *st)
{
    static uint8_t buf[1 << 17];
    size_t n = sdes_state_pack(st, buf, sizeof buf);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int rc = 0;
    if (!n || !f || fwrite(buf, 1, n, f) != n) {
        fprintf(stderr, "sdes-sdp: %s: cannot write the state\n", path);
        rc = -1;
    }
    if (f && fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "sdes-sdp: %s: cannot write the state\n", path);
        rc = -1;
    } else if (!f && fd >= 0) {
        close(fd);
    }
    OPENSSL_cleanse(buf, n);
    return rc;
}

int main(int argc, char **argv)
{
    const char *mode_s = NULL, *policy_s = NULL, *relay_s = NULL, *answer_f = NULL;
    const char *state_f = NULL;
    bool show = false, results = false, rekey = false, keep_ice = false, isolate = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--mode") && i + 1 < argc)
            mode_s = argv[++i];
        else if (!strcmp(a, "--policy") && i + 1 < argc)
            policy_s = argv[++i];
        else if (!strcmp(a, "--relay") && i + 1 < argc)
            relay_s = argv[++i];
        else if (!strcmp(a, "--answer") && i + 1 < argc)
            answer_f = argv[++i];
        else if (!strcmp(a, "--state") && i + 1 < argc)
            state_f = argv[++i];
        else if (!strcmp(a, "--show-keys"))
            show = true;
        else if (!strcmp(a, "--results"))
            results = true;
        else if (!strcmp(a, "--rekey"))
            rekey = true;
        else if (!strcmp(a, "--keep-ice"))
            keep_ice = true;
        else if (!strcmp(a, "--isolate"))
            isolate = true;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("sdes-sdp %s\n", SDESGATE_VERSION);
            return 0;
        } else {
            fprintf(stderr, "sdes-sdp: unknown or incomplete option \"%s\"\n", a);
            usage();
            return 2;
        }
    }
    if (!mode_s) {
        fputs("sdes-sdp: --mode is required\n", stderr);
        usage();
        return 2;
    }
    int mode = sdes_mode_from_name(mode_s);
    if (mode < 0) {
        fprintf(stderr, "sdes-sdp: unknown mode \"%s\"\n", mode_s);
        return 2;
    }
    sdes_policy pol;
    sdes_policy_default(&pol);
    char err[160];
    if (policy_s && sdes_policy_parse(policy_s, &pol, err, sizeof err) < 0) {
        fprintf(stderr, "sdes-sdp: %s\n", err);
        return 2;
    }
    char addr[46] = "";
    unsigned port = 0;
    if (relay_s && parse_relay(relay_s, addr, sizeof addr, &port) < 0) {
        fprintf(stderr, "sdes-sdp: --relay wants ADDR:PORT or [IPv6]:PORT, got \"%s\"\n", relay_s);
        return 2;
    }
    sdes_relay relays[SDES_MAX_MEDIA];
    size_t n_relays = addr[0] ? SDES_MAX_MEDIA : 0;
    sdes_config cfg = {.mode = (sdes_mode)mode,
                       .policy = &pol,
                       .rekey = rekey,
                       .keep_ice = keep_ice,
                       .isolate = isolate};
    sdes_state *state = malloc(sizeof *state);
    sdes_result *res = malloc(sizeof *res);
    if (!state || !res) {
        fputs("sdes-sdp: out of memory\n", stderr);
        return 2;
    }
    sdes_state_init(state);
    int rc = 0;
    if (state_f && load_state(state_f, state) < 0)
        return 2;
    if (answer_f && !strcmp(answer_f, "-") && !state_f) {
        fputs("sdes-sdp: --answer - needs --state FILE with the offer's state\n", stderr);
        return 2;
    }
    if (answer_f && strcmp(answer_f, "-") != 0) {
        FILE *f = fopen(answer_f, "rb");
        if (!f) {
            fprintf(stderr, "sdes-sdp: %s: cannot open\n", answer_f);
            return 2;
        }
        size_t olen;
        char *offer = read_all(f, &olen);
        fclose(f);
        if (!offer) {
            fprintf(stderr, "sdes-sdp: %s: read error\n", answer_f);
            return 2;
        }
        fill_relays(relays, addr, port, 1000);
        sdes_rej rj = sdes_offer(&cfg, offer, olen, n_relays ? relays : NULL, n_relays, state, res);
        free(offer);
        if (rj) {
            fprintf(stderr, "sdes-sdp: offer %s: %s\n", answer_f, res->reason);
            sdes_result_free(res);
            return 1;
        }
        sdes_result_free(res);
    }
    size_t len;
    char *body = read_all(stdin, &len);
    if (!body) {
        fputs("sdes-sdp: read error on stdin\n", stderr);
        return 2;
    }
    fill_relays(relays, addr, port, 0);
    sdes_rej rj = answer_f
                      ? sdes_answer(&cfg, body, len, n_relays ? relays : NULL, n_relays, state, res)
                      : sdes_offer(&cfg, body, len, n_relays ? relays : NULL, n_relays, state, res);
    free(body);
    if (rj) {
        fprintf(stderr, "sdes-sdp: %s\n", res->reason);
        rc = 1;
    } else if (state_f && save_state(state_f, state) < 0) {
        rc = 2;
    } else {
        print_notes(res);
        if (results)
            print_results(res, show);
        if (show) {
            fwrite(res->body, 1, res->body_len, stdout);
        } else {
            char *masked = sdes_mask_keys(res->body, res->body_len);
            if (!masked) {
                fputs("sdes-sdp: out of memory\n", stderr);
                rc = 2;
            } else {
                fwrite(masked, 1, res->body_len, stdout);
                free(masked);
            }
        }
    }
    sdes_result_free(res);
    sdes_state_wipe(state);
    free(res);
    free(state);
    return rc;
}
