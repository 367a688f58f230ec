/*
 * tests/interop/osip_sdp_check_test.c — an independent parser checks ours: every
 * SDP the engine writes for the golden cases (tests/golden, one per .args file) is parsed
 * again by libosip2's sdp_message_parse(), and its m= (media, port, proto),
 * c= (address and address type, media or session level) and a=crypto lines
 * must agree with what the engine meant (its per-m= result and the state it
 * keeps), keys compared byte for byte (the output here is not masked).
 *
 * Usage: osip_sdp_check [GOLDEN_DIR]   (default tests/golden)
 */
#include "sdes/engine/multipart.h"
#include "sdes/engine/sdes_engine.h"
#include "tests/check.h"

#include <dirent.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/sdp_message.h>
#include <stdlib.h>

static const char *gdir = "tests/golden";
static char cur_case[256];

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(SDES_SDP_MAX_BODY + 2);
    size_t n = b ? fread(b, 1, SDES_SDP_MAX_BODY + 1, f) : 0;
    fclose(f);
    if (b)
        b[n] = '\0';
    *len = n;
    return b;
}

typedef struct gcase {
    sdes_mode mode;
    sdes_policy pol;
    char addr[46];
    unsigned port;
    bool answer;     /* NAME.offer.sdp: offer it first, then answer */
    bool seq;        /* a step of NAME.1..9 sharing one state ("@STATE") */
    bool seq_answer; /* "--answer -": answer against the shared state */
    bool rekey;
    bool keep_ice, isolate; /* --keep-ice, --isolate */
} gcase;

static bool load_case(const char *name, gcase *g)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/%s.args", gdir, name);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f)) {
        if (f)
            fclose(f);
        return false;
    }
    fclose(f);
    memset(g, 0, sizeof *g);
    sdes_policy_default(&g->pol);
    char *save = NULL;
    for (char *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
        if (!strcmp(t, "--mode"))
            g->mode = (sdes_mode)sdes_mode_from_name(strtok_r(NULL, " \n", &save));
        else if (!strcmp(t, "--policy"))
            sdes_policy_parse(strtok_r(NULL, " \n", &save), &g->pol, NULL, 0);
        else if (!strcmp(t, "@STATE"))
            g->seq = true;
        else if (!strcmp(t, "--rekey"))
            g->rekey = true;
        else if (!strcmp(t, "--keep-ice"))
            g->keep_ice = true;
        else if (!strcmp(t, "--isolate"))
            g->isolate = true;
        else if (!strcmp(t, "--answer")) {
            char *v = strtok_r(NULL, " \n", &save);
            g->seq_answer = v && !strcmp(v, "-");
        } else if (!strcmp(t, "--relay")) {
            char *r = strtok_r(NULL, " \n", &save);
            char *c = strrchr(r, ':');
            *c = '\0';
            g->port = (unsigned)atoi(c + 1);
            if (r[0] == '[') {
                r++;
                r[strlen(r) - 1] = '\0';
            }
            snprintf(g->addr, sizeof g->addr, "%s", r);
        }
    }
    snprintf(path, sizeof path, "%s/%s.offer.sdp", gdir, name);
    f = fopen(path, "r");
    if (f) {
        g->answer = true;
        fclose(f);
    }
    return true;
}

static void relays_for(const gcase *g, unsigned offset, sdes_relay *r)
{
    for (unsigned i = 0; i < SDES_MAX_MEDIA; i++) {
        memset(&r[i], 0, sizeof r[i]);
        snprintf(r[i].addr, sizeof r[i].addr, "%s", g->addr);
        r[i].port = (uint16_t)(g->port + offset + 2 * i);
    }
}

/* The crypto attribute values of media i, as osip sees them. */
static int osip_cryptos(sdp_message_t *sdp, int i, char **vals, int cap)
{
    int n = 0;
    for (int k = 0; sdp_message_a_att_field_get(sdp, i, k); k++) {
        if (!strcmp(sdp_message_a_att_field_get(sdp, i, k), "crypto") && n < cap)
            vals[n++] = sdp_message_a_att_value_get(sdp, i, k);
    }
    return n;
}

static bool keyset_eq_attr(const sdes_keyset *k, const sdes_crypto_attr *a)
{
    if (!a->suite || a->suite->id != k->suite || a->tag != k->tag || a->n_keys != k->n_keys)
        return false;
    for (size_t j = 0; j < k->n_keys; j++) {
        const sdes_key_param *x = &k->keys[j], *y = &a->keys[j];
        if (x->key_salt_len != y->key_salt_len ||
            memcmp(x->key_salt, y->key_salt, x->key_salt_len) != 0 || x->lifetime != y->lifetime ||
            x->mki_len != y->mki_len || memcmp(x->mki, y->mki, x->mki_len) != 0)
            return false;
    }
    return true;
}

/* What proto the engine meant for media i (independent of the rewriter). */
static const char *want_proto(const gcase *g, bool answer, const sdes_state *st, int i,
                              const char *in_proto, const sdes_media_result *r)
{
    static const char *names[] = {"?", "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF"};
    if (r->state == SDES_MEDIA_UNTOUCHED)
        return in_proto;
    if (answer)
        return st->media[i].in_use || r->state == SDES_MEDIA_DISABLED
                   ? (st->media[i].in_use ? names[st->media[i].a_proto] : NULL)
                   : in_proto;
    if (r->state == SDES_MEDIA_DISABLED || r->state == SDES_MEDIA_PLAIN ||
        r->state == SDES_MEDIA_PASSTHROUGH)
        return in_proto;
    bool f = strstr(in_proto, "AVPF") != NULL;
    if (g->mode == SDES_MODE_ENCRYPT)
        return f ? "RTP/SAVPF" : "RTP/SAVP";
    if (g->mode == SDES_MODE_DECRYPT)
        return f ? "RTP/AVPF" : "RTP/AVP";
    return in_proto; /* rekey, osrtp */
}

/* The SDP itself: the whole body, or the SDP part of a multipart body
 * (copied, NUL-terminated, for osip). */
static char *sdp_of(const char *body, size_t len)
{
    size_t off = 0, n = len;
    if (sdes_multipart_sdp(body, len, &off, &n) != SDES_MP_OK) {
        off = 0;
        n = len;
    } else if (off + n + 1 < len && body[off + n] == '\r' && body[off + n + 1] == '\n') {
        n += 2; /* the delimiter's CRLF ends the last SDP line on the wire */
    }
    return strndup(body + off, n);
}

static void check_sdp(const gcase *g, bool answer, const char *in_whole, const sdes_result *res,
                      const sdes_state *st, const sdes_relay *relays)
{
    sdp_message_t *in = NULL, *out = NULL;
    char *out_sdp = sdp_of(res->body, res->body_len);
    char *in_body = sdp_of(in_whole, strlen(in_whole));
    CHECK_EQ(sdp_message_init(&out), 0);
    int prc = sdp_message_parse(out, out_sdp);
    free(out_sdp);
    CHECK_MSG(prc == 0, "%s: libosip2 cannot parse our output", cur_case);
    CHECK_EQ(sdp_message_init(&in), 0);
    bool in_ok = sdp_message_parse(in, in_body) == 0;
    free(in_body);
    for (int i = 0; i < res->n_media; i++) {
        const sdes_media_result *r = &res->media[i];
        char *media = sdp_message_m_media_get(out, i);
        char *port = sdp_message_m_port_get(out, i);
        char *proto = sdp_message_m_proto_get(out, i);
        CHECK_MSG(media && port && proto, "%s m=%d missing in osip's view", cur_case, i);
        CHECK_STR_EQ(media, r->media);
        const char *in_proto = in_ok ? sdp_message_m_proto_get(in, i) : NULL;
        const char *in_port = in_ok ? sdp_message_m_port_get(in, i) : NULL;
        bool relayed = r->state >= SDES_MEDIA_PLAIN && relays[i].addr[0];
        if (relayed)
            CHECK_EQ(atoi(port), relays[i].port);
        else if (g->isolate && relays[i].addr[0])
            CHECK_STR_EQ(port, "0"); /* two networks: not relayed, disabled */
        else if (in_port)
            CHECK_STR_EQ(port, in_port);
        if (in_proto) {
            const char *wp = want_proto(g, answer, st, i, in_proto, r);
            if (r->state == SDES_MEDIA_DISABLED && answer) {
                wp = wp ? wp : in_proto;
                /* A rejected stream (port 0) echoes the proto of the offer
                 * it answers (RFC 3264 §6): toward the other side that may
                 * be the plain or secure twin of what its author wrote. */
                if (strcmp(proto, wp) != 0 && strstr(proto, "RTP/") && strstr(wp, "RTP/"))
                    wp = proto;
            }
            CHECK_MSG(wp && !strcmp(proto, wp), "%s m=%d proto %s, engine meant %s", cur_case, i,
                      proto, wp ? wp : "?");
        }
        /* c=: media level first, else session level */
        char *addr = sdp_message_c_addr_get(out, i, 0);
        char *atype = sdp_message_c_addrtype_get(out, i, 0);
        if (!addr) {
            addr = sdp_message_c_addr_get(out, -1, 0);
            atype = sdp_message_c_addrtype_get(out, -1, 0);
        }
        bool hold_addr = !strcmp(r->peer_addr, "0.0.0.0") || !strcmp(r->peer_addr, "::");
        if (relayed && !hold_addr) {
            CHECK_MSG(addr && !strcmp(addr, relays[i].addr), "%s m=%d c= %s, relay %s", cur_case, i,
                      addr ? addr : "(none)", relays[i].addr);
            CHECK_STR_EQ(atype, strchr(relays[i].addr, ':') ? "IP6" : "IP4");
        } else if (g->isolate && relays[i].addr[0]) {
            /* Disabled toward the other network: never the author's address. */
            CHECK_MSG(!addr || strcmp(addr, r->peer_addr) != 0, "%s m=%d c= %s leaked", cur_case, i,
                      addr);
        } else if (r->state != SDES_MEDIA_DISABLED && r->peer_addr[0]) {
            CHECK_MSG(addr && !strcmp(addr, r->peer_addr), "%s m=%d c= %s, kept %s", cur_case, i,
                      addr ? addr : "(none)", r->peer_addr);
        }
        /* a=crypto */
        char *vals[SDES_SDP_MAX_CRYPTO];
        int n = osip_cryptos(out, i, vals, SDES_SDP_MAX_CRYPTO);
        const sdes_keyset *want[SDES_MAX_OFFER_LINES];
        int n_want = -1; /* -1: compare with the input's count */
        const sdes_state_media *sm = &st->media[i];
        if (r->state == SDES_MEDIA_SRTP) {
            n_want = 0;
            if (!answer && (g->mode == SDES_MODE_ENCRYPT || g->mode == SDES_MODE_OSRTP ||
                            g->mode == SDES_MODE_REKEY))
                for (int k = 0; k < sm->n_b_offer; k++)
                    want[n_want++] = &sm->b_offer[k];
            if (answer && r->a_tx.srtp)
                want[n_want++] = &r->a_tx;
        } else if (r->state == SDES_MEDIA_PLAIN || (r->state == SDES_MEDIA_DISABLED && answer)) {
            n_want = 0;
        } else if (r->state == SDES_MEDIA_PASSTHROUGH && !answer) {
            CHECK_EQ(n, sm->n_b_offer);
            for (int k = 0; k < n; k++) {
                sdes_crypto_attr a;
                CHECK_EQ(sdes_crypto_attr_parse(vals[k], strlen(vals[k]), 0, &a), SDES_CA_OK);
                /* lines keep the offer's order; the state lists them in
                 * policy order: compare as a set */
                int hit = 0;
                for (int j = 0; j < sm->n_b_offer; j++)
                    hit += sm->b_offer[j].tag == a.tag && sm->b_offer[j].suite == a.suite->id;
                CHECK_MSG(hit == 1, "%s m=%d tag %u not in the engine's forwarded set", cur_case, i,
                          a.tag);
                sdes_crypto_attr_wipe(&a);
            }
        }
        if (n_want >= 0) {
            CHECK_MSG(n == n_want, "%s m=%d: osip sees %d a=crypto, engine meant %d", cur_case, i,
                      n, n_want);
            for (int k = 0; k < n; k++) {
                sdes_crypto_attr a;
                CHECK_EQ(sdes_crypto_attr_parse(vals[k], strlen(vals[k]), 0, &a), SDES_CA_OK);
                CHECK_MSG(keyset_eq_attr(want[k], &a),
                          "%s m=%d a=crypto #%d differs from the "
                          "engine's keys",
                          cur_case, i, k);
                sdes_crypto_attr_wipe(&a);
            }
        } else if (in_ok && r->state != SDES_MEDIA_PASSTHROUGH) {
            /* streams left alone keep their a=crypto only in passthrough
             * mode; elsewhere the peer's keys are removed */
            char *ivals[SDES_SDP_MAX_CRYPTO];
            int in_n = osip_cryptos(in, i, ivals, SDES_SDP_MAX_CRYPTO);
            CHECK_EQ(n, g->mode == SDES_MODE_PASSTHROUGH ? in_n : 0);
        }
    }
    sdp_message_free(in);
    sdp_message_free(out);
}

static int checked;

static void run_case(const char *name)
{
    gcase g;
    CHECK(load_case(name, &g));
    char path[512];
    size_t len;
    static sdes_state st;
    static sdes_result res;
    static char seq_prefix[256];
    sdes_relay relays[SDES_MAX_MEDIA];
    sdes_config cfg = {.mode = g.mode,
                       .policy = &g.pol,
                       .rekey = g.rekey,
                       .keep_ice = g.keep_ice,
                       .isolate = g.isolate};
    /* Steps of one sequence keep the state, like sdes-sdp --state. */
    size_t plen = strcspn(name, ".");
    if (!g.seq || strlen(seq_prefix) != plen || strncmp(seq_prefix, name, plen) != 0) {
        sdes_state_init(&st);
        snprintf(seq_prefix, sizeof seq_prefix, "%.*s", (int)plen, g.seq ? name : "");
    }
    if (g.seq_answer)
        g.answer = true;
    snprintf(cur_case, sizeof cur_case, "%s", name);
    if (g.answer && !g.seq_answer) {
        snprintf(path, sizeof path, "%s/%s.offer.sdp", gdir, name);
        char *offer = slurp(path, &len);
        CHECK(offer);
        relays_for(&g, 1000, relays);
        sdes_rej rj = sdes_offer(&cfg, offer, len, relays, SDES_MAX_MEDIA, &st, &res);
        if (rj == SDES_REJ_OK)
            check_sdp(&g, false, offer, &res, &st, relays);
        free(offer);
        sdes_result_free(&res);
        if (rj != SDES_REJ_OK || check_cur_failed_)
            return;
        checked++;
    }
    snprintf(path, sizeof path, "%s/%s.in.sdp", gdir, name);
    char *body = slurp(path, &len);
    CHECK(body);
    relays_for(&g, 0, relays);
    sdes_rej rj = g.answer ? sdes_answer(&cfg, body, len, relays, SDES_MAX_MEDIA, &st, &res)
                           : sdes_offer(&cfg, body, len, relays, SDES_MAX_MEDIA, &st, &res);
    if (rj == SDES_REJ_OK) {
        check_sdp(&g, g.answer, body, &res, &st, relays);
        checked++;
    } else {
        CHECK(res.body == NULL);
    }
    free(body);
    sdes_result_free(&res);
    if (!g.seq)
        sdes_state_wipe(&st);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        gdir = argv[1];
    parser_init();
    DIR *d = opendir(gdir);
    if (!d) {
        fprintf(stderr, "osip_sdp_check: %s: cannot open\n", gdir);
        return 1;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".args"))
            names[n++] = strndup(e->d_name, l - 5);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    for (int i = 0; i < n; i++) {
        check_cur_name_ = names[i];
        check_cur_failed_ = 0;
        run_case(names[i]);
        if (check_cur_failed_) {
            check_failed_++;
            fprintf(stderr, "not ok %s\n", names[i]);
        } else {
            check_passed_++;
            printf("ok %s\n", names[i]);
        }
        free(names[i]);
    }
    printf("osip_sdp_check: %d rewritten SDPs cross-checked with libosip2\n", checked);
    /* A run that checked nothing is a failure, not a pass. */
    if (checked < 20) {
        fprintf(stderr, "osip_sdp_check: only %d SDPs checked\n", checked);
        check_failed_++;
    }
    return check_summary("osip_sdp_check");
}
