/*
 * tests/e2e/ua_main.c — e2e-ua, the test user agents of sdesgate's
 * end-to-end tests: a "legacy PBX" (SIP + plain RTP/AVP) and an "SRTP
 * phone" (SIP + RTP/SAVP keyed with SDES a=crypto, RFC 4568), built on
 * libosip2 (SIP and SDP parsing) and libsrtp2 (SRTP) and nothing of ours.
 * One call per run, as caller (uac) or callee (uas); a few seconds of
 * numbered RTP each way; a report of what was negotiated (keys masked) and
 * what arrived. Exit 0 when the call did what the role expects.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ua_media.h"
#include "ua_sdp.h"
#include "ua_sip.h"

typedef struct opts {
    int uac;
    int phone; /* role: 1 phone (SRTP), 0 pbx (plain RTP) */
    const char *bind;
    unsigned sip_port;
    const char *port_file;
    const char *to;
    char proxy_host[64];
    unsigned proxy_port;
    const char *suites[UA_MAX_CRYPTO];
    size_t n_suites;
    unsigned mki_len;
    double seconds;
    double min_percent;
    int expect_code;
    const char *offer_file;
    const char *content_type;
    double timeout;
    const char *sdp_out;
    unsigned tamper_every;
    char extra_hdrs[512]; /* --header lines for the INVITE */
    double reinvite_at;   /* uac: seconds into the media, 0 = never */
    int rekey;            /* the re-INVITE carries new keys (next MKI) */
} opts;

static opts o;
static ua_sip sip;
static ua_media media;
static char sdp_sent[4096], sdp_recv[4096];
static const char *negotiated_suite = "";
static ua_crypto tx_key, rx_key;
static unsigned garbage;
static unsigned rekeyed;   /* key changes done (both directions count once) */
static int reinvite_code;  /* final response to our re-INVITE */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ua: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(ap);
}

/* One line per SDP, masked keys, CRLF shown as " | ". */
static void say_sdp(const char *what, const char *sdp)
{
    char masked[4096], line[4096];
    size_t j = 0;
    ua_sdp_mask(sdp, masked, sizeof(masked));
    for (size_t i = 0; masked[i] && j + 4 < sizeof(line); i++) {
        if (masked[i] == '\r')
            continue;
        if (masked[i] == '\n') {
            if (masked[i + 1])
                line[j++] = ' ', line[j++] = '|', line[j++] = ' ';
            continue;
        }
        line[j++] = masked[i];
    }
    line[j] = '\0';
    say("%s: %s", what, line);
}

static int finish(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int finish(int ok, const char *fmt, ...)
{
    char why[300] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (o.sdp_out && sdp_recv[0]) {
        FILE *f = fopen(o.sdp_out, "w");
        if (f) {
            char masked[4096];
            ua_sdp_mask(sdp_recv, masked, sizeof(masked));
            fputs(masked, f);
            fclose(f);
        }
    }
    if (media.fd > 0) {
        say("suite=%s mki-tx=%zu mki-rx=%zu", negotiated_suite[0] ? negotiated_suite : "none",
            tx_key.mki_len, rx_key.mki_len);
        say("rtp sent=%u received=%u intact=%u corrupt=%u duplicate=%u srtp-failed=%u "
            "other=%u first=%d last=%d",
            media.sent, media.recv, media.intact, media.corrupt, media.dup, media.srtp_fail,
            media.other, media.first, media.last);
    }
    if (o.reinvite_at || rekeyed || media.rx_mki) {
        char seen[128] = "";
        for (unsigned v = 0; v < UA_MEDIA_MKI_SLOTS; v++) {
            size_t l = strlen(seen);
            if (media.mki_seen[v])
                snprintf(seen + l, sizeof(seen) - l, "%s%u:%u", l ? "," : "", v, media.mki_seen[v]);
        }
        say("reinvite=%d rekeyed=%u mki-received=%s", reinvite_code, rekeyed, seen[0] ? seen : "-");
    }
    if (garbage)
        say("unparsable SIP datagrams: %u", garbage);
    say("result=%s%s%s", ok ? "ok" : "FAIL", why[0] ? " " : "", why);
    if (!ok)
        fprintf(stderr, "e2e-ua: %s\n", why);
    ua_media_close(&media);
    return ok ? 0 : 1;
}

/* The media verdict after a call: everything intact, nothing forged, and
 * at least min_percent of what the peer sends in o.seconds. */
static int media_ok(char *why, size_t cap)
{
    unsigned expected = (unsigned)(o.seconds * 50.0 + 0.5);
    if (media.corrupt || media.srtp_fail || media.dup) {
        snprintf(why, cap, "media damaged: %u corrupt, %u failed SRTP checks, %u duplicates",
                 media.corrupt, media.srtp_fail, media.dup);
        return 0;
    }
    if ((double)media.intact * 100.0 < o.min_percent * (double)expected) {
        snprintf(why, cap, "received %u of %u expected packets (< %.0f%%)", media.intact,
                 expected, o.min_percent);
        return 0;
    }
    snprintf(why, cap, "%u/%u packets intact", media.intact, expected);
    return 1;
}

/* Offer (uac) or answer (uas) SDP for our role. For the phone, keys[] are
 * this side's keys (one per offered suite, or the one answered). */
static int build_sdp(char *buf, size_t cap, const ua_crypto *keys, size_t n)
{
    return ua_sdp_build(buf, cap, o.bind, ua_media_port(&media), o.phone ? "RTP/SAVP" : "RTP/AVP",
                        keys, o.phone ? n : 0);
}

static int suite_wanted(const char *s)
{
    for (size_t i = 0; i < o.n_suites; i++)
        if (!strcmp(o.suites[i], s))
            return 1;
    return 0;
}

static void new_key(ua_crypto *k, unsigned tag, const char *suite)
{
    memset(k, 0, sizeof(*k));
    k->tag = tag;
    snprintf(k->suite, sizeof(k->suite), "%s", suite);
    ua_crypto_new_key(k);
    if (o.mki_len) {
        k->mki_len = o.mki_len;
        k->mki[o.mki_len - 1] = 1; /* MKI value 1 */
    }
}

/* The next key of a rekey: same tag and suite, fresh key, MKI + 1
 * (RFC 4568 §6.1: a new MKI names the new master key). */
static void next_key(ua_crypto *nk, const ua_crypto *cur)
{
    new_key(nk, cur->tag, cur->suite);
    nk->mki_len = cur->mki_len;
    memcpy(nk->mki, cur->mki, cur->mki_len);
    for (size_t i = cur->mki_len; i-- > 0;)
        if (++nk->mki[i] != 0)
            break;
}

/* Install a rekey: rx learns the peer's new key (the old one stays for
 * packets in flight); tx switches to ours when switch_tx. */
static int install_rekey(const ua_crypto *peer_new, const ua_crypto *own_new, int switch_tx,
                         char *why, size_t cap)
{
    ua_crypto two[2];
    if (peer_new) {
        two[0] = rx_key;
        two[1] = *peer_new;
        if (ua_media_update_keys(&media, 0, two, 2, 0, why, cap) < 0)
            return -1;
        rx_key = *peer_new;
    }
    if (own_new && switch_tx) {
        two[0] = tx_key;
        two[1] = *own_new;
        if (ua_media_update_keys(&media, 1, two, 2, 1, why, cap) < 0)
            return -1;
        tx_key = *own_new;
        rekeyed++;
    }
    return 0;
}

/* Media: send one packet per 20 ms for `secs` (0: send nothing), keep
 * draining until `until`, answer SIP through on_sip. Returns when until is
 * reached or on_sip returns non-zero. */
typedef int (*sip_handler)(osip_message_t *m);
static void (*media_tick)(void); /* called every turn of the loop (uac re-INVITE) */
static int media_loop(double secs, double until, sip_handler on_sip)
{
    double start = now(), next = start;
    unsigned to_send = (unsigned)(secs * 50.0 + 0.5);
    for (;;) {
        double t = now();
        if (t >= until)
            return 0;
        if (media_tick)
            media_tick();
        while (media.sent < to_send && t >= next) {
            if (ua_media_send(&media) < 0)
                return -1;
            next = start + 0.02 * media.sent;
        }
        double wait = (media.sent < to_send ? next : until) - t;
        if (wait > 0.005)
            wait = 0.005;
        osip_message_t *m = NULL;
        int r = ua_sip_recv(&sip, (int)(wait * 1000), &m, &garbage);
        ua_media_drain(&media);
        if (r > 0) {
            int stop = on_sip ? on_sip(m) : 0;
            osip_message_free(m);
            if (stop)
                return stop;
        }
    }
}

/* ---------------- caller ---------------- */

static char call_id[64], from_tag[32], to_tag_hdr[400];
static char next_host[64];
static unsigned next_port;
static char ack_text[4096];
static char route_hdrs[1024], remote_target[256];

static unsigned uac_cseq = 1;
static double media_t0;
static int reinv_state; /* 0 not yet, 1 sent, 2 answered */
static char reinv_text[8192], reinv_branch[32], ack2_text[4096];
static size_t reinv_len;
static double reinv_retx;
static int reinv_tries;
static ua_crypto reinv_key; /* the new key we offered (rekey) */

static void uac_send_reinvite(void)
{
    char body[4096];
    const ua_crypto *k = &tx_key;
    if (o.phone && o.rekey) {
        next_key(&reinv_key, &tx_key);
        k = &reinv_key;
    }
    if (build_sdp(body, sizeof(body), k, 1) < 0)
        return;
    uac_cseq++;
    ua_sip_token(reinv_branch, sizeof(reinv_branch));
    int n = snprintf(reinv_text, sizeof(reinv_text),
                     "INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                     "Call-ID: %s@%s\r\nCSeq: %u INVITE\r\nContact: <sip:alice@%s:%u>\r\n"
                     "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
                     remote_target, sip.host, sip.port, reinv_branch, route_hdrs, sip.host,
                     sip.port, from_tag, to_tag_hdr, call_id, sip.host, uac_cseq, sip.host,
                     sip.port, strlen(body), body);
    if (n < 0 || (size_t)n >= sizeof(reinv_text))
        return;
    reinv_len = (size_t)n;
    say_sdp("sdp-sent (re-INVITE)", body);
    ua_sip_send(&sip, next_host, next_port, reinv_text, reinv_len);
    reinv_state = 1;
    reinv_retx = now() + 0.5;
}

static void uac_tick(void)
{
    if (!o.reinvite_at || reinv_state == 2)
        return;
    double t = now();
    if (reinv_state == 0 && t >= media_t0 + o.reinvite_at)
        uac_send_reinvite();
    else if (reinv_state == 1 && t >= reinv_retx && reinv_tries < 6) {
        ua_sip_send(&sip, next_host, next_port, reinv_text, reinv_len);
        reinv_retx = t + 0.5 * (2 << reinv_tries++);
    }
}

/* The answer to our re-INVITE: ACK it, and for a rekey take the peer's new
 * key (old kept for packets in flight) and switch ours (RFC 4568 §7.1.4). */
static void uac_reinvite_answered(osip_message_t *m)
{
    char why[200];
    int n;
    reinvite_code = m->status_code;
    if (m->status_code >= 300) { /* non-2xx: ACK on the same branch */
        n = snprintf(ack2_text, sizeof(ack2_text),
                     "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                     "Call-ID: %s@%s\r\nCSeq: %u ACK\r\nContent-Length: 0\r\n\r\n",
                     remote_target, sip.host, sip.port, reinv_branch, route_hdrs, sip.host,
                     sip.port, from_tag, to_tag_hdr, call_id, sip.host, uac_cseq);
    } else {
        char b2[32];
        ua_sip_token(b2, sizeof(b2));
        n = snprintf(ack2_text, sizeof(ack2_text),
                     "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                     "Call-ID: %s@%s\r\nCSeq: %u ACK\r\nContent-Length: 0\r\n\r\n",
                     remote_target, sip.host, sip.port, b2, route_hdrs, sip.host, sip.port,
                     from_tag, to_tag_hdr, call_id, sip.host, uac_cseq);
    }
    if (n > 0 && (size_t)n < sizeof(ack2_text))
        ua_sip_send(&sip, next_host, next_port, ack2_text, (size_t)n);
    reinv_state = 2;
    say("reinvite final=%d", m->status_code);
    if (m->status_code >= 300 || !o.phone || !o.rekey)
        return;
    int is_sdp;
    ua_sdp peer;
    const char *ans = ua_sip_body(m, &is_sdp);
    if (!ans || !is_sdp || ua_sdp_parse(ans, &peer, why, sizeof(why)) < 0) {
        say("re-INVITE answer unusable");
        return;
    }
    say_sdp("sdp-received (re-INVITE)", ans);
    const ua_crypto *pn = NULL;
    for (size_t i = 0; i < peer.n_crypto && !pn; i++)
        if (peer.crypto[i].tag == tx_key.tag && !strcmp(peer.crypto[i].suite, tx_key.suite))
            pn = &peer.crypto[i];
    if (!pn) {
        say("re-INVITE answer has no a=crypto for tag %u", tx_key.tag);
        return;
    }
    int changed = pn->keysalt_len != rx_key.keysalt_len ||
                  memcmp(pn->keysalt, rx_key.keysalt, pn->keysalt_len) != 0;
    if (install_rekey(changed ? pn : NULL, &reinv_key, 1, why, sizeof(why)) < 0)
        say("rekey failed: %s", why);
}

static int uac_on_sip(osip_message_t *m)
{
    if (!MSG_IS_RESPONSE(m) || !m->cseq || !m->cseq->method || !m->cseq->number ||
        strcmp(m->cseq->method, "INVITE") != 0)
        return 0;
    unsigned num = (unsigned)strtoul(m->cseq->number, NULL, 10);
    if (num == 1 && MSG_IS_STATUS_2XX(m)) {
        /* A retransmitted 2xx: our ACK got lost, send it again (RFC 3261 §13.2.2.4). */
        ua_sip_send(&sip, next_host, next_port, ack_text, strlen(ack_text));
    } else if (num == uac_cseq && num > 1 && m->status_code >= 200) {
        if (reinv_state == 1)
            uac_reinvite_answered(m);
        else if (ack2_text[0])
            ua_sip_send(&sip, next_host, next_port, ack2_text, strlen(ack2_text));
    } else if (num == uac_cseq && num > 1 && m->status_code < 200) {
        reinv_tries = 99; /* provisional: stop retransmitting */
    }
    return 0;
}

static int load_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return 0;
}

static int uac(void)
{
    ua_crypto offer_keys[UA_MAX_CRYPTO];
    char branch[32], text[8192], body[4096], why[200];
    osip_uri_t *ruri = NULL;
    char rhost[64];
    unsigned rport;
    const char *ctype = "application/sdp";

    if (osip_uri_init(&ruri) != 0 || osip_uri_parse(ruri, o.to) != 0 ||
        ua_sip_uri_hostport(ruri, rhost, sizeof(rhost), &rport) < 0)
        return finish(0, "bad --to URI %s", o.to);
    osip_uri_free(ruri);
    if (o.proxy_port) {
        snprintf(next_host, sizeof(next_host), "%s", o.proxy_host);
        next_port = o.proxy_port;
    } else {
        snprintf(next_host, sizeof(next_host), "%s", rhost);
        next_port = rport;
    }
    for (size_t i = 0; i < o.n_suites; i++)
        new_key(&offer_keys[i], (unsigned)i + 1, o.suites[i]);
    if (o.offer_file) {
        if (load_file(o.offer_file, body, sizeof(body)) < 0)
            return finish(0, "cannot read %s: %s", o.offer_file, strerror(errno));
        if (o.content_type)
            ctype = o.content_type;
    } else if (build_sdp(body, sizeof(body), offer_keys, o.n_suites) < 0) {
        return finish(0, "offer does not fit");
    }
    snprintf(sdp_sent, sizeof(sdp_sent), "%s", body);
    say("role=%s side=uac to=%s via=%s:%u", o.phone ? "phone" : "pbx", o.to, next_host,
        next_port);
    say_sdp("sdp-sent", body);

    ua_sip_token(call_id, sizeof(call_id));
    ua_sip_token(from_tag, sizeof(from_tag));
    ua_sip_token(branch, sizeof(branch));
    int n = snprintf(text, sizeof(text),
                     "INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: <%s>\r\n"
                     "Call-ID: %s@%s\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@%s:%u>\r\n%s"
                     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
                     o.to, sip.host, sip.port, branch, sip.host, sip.port, from_tag, o.to,
                     call_id, sip.host, sip.host, sip.port, o.extra_hdrs, ctype, strlen(body),
                     body);
    if (n < 0 || (size_t)n >= sizeof(text))
        return finish(0, "INVITE does not fit");
    const char *invite_ruri = o.to;

    double deadline = now() + o.timeout, retx = now() + 0.5;
    int got_prov = 0, tries = 0;
    ua_sip_send(&sip, next_host, next_port, text, (size_t)n);
    osip_message_t *final = NULL;
    while (!final) {
        if (now() > deadline)
            return finish(0, "no final response to INVITE within %.0fs", o.timeout);
        if (!got_prov && now() > retx && tries < 6) { /* Timer A, RFC 3261 §17.1.1.2 */
            ua_sip_send(&sip, next_host, next_port, text, (size_t)n);
            retx = now() + 0.5 * (2 << tries++);
        }
        osip_message_t *m = NULL;
        if (ua_sip_recv(&sip, 50, &m, &garbage) <= 0)
            continue;
        if (MSG_IS_RESPONSE(m) && m->cseq->method && !strcmp(m->cseq->method, "INVITE")) {
            if (m->status_code < 200) {
                got_prov = 1;
                osip_message_free(m);
                continue;
            }
            final = m;
            break;
        }
        osip_message_free(m);
    }
    int code = final->status_code;
    say("final=%d %s", code, final->reason_phrase ? final->reason_phrase : "");
    char *to_s = NULL;
    osip_to_to_str(final->to, &to_s);
    snprintf(to_tag_hdr, sizeof(to_tag_hdr), "%s", to_s ? to_s : "");
    osip_free(to_s);

    if (code >= 300) {
        /* ACK for a non-2xx final response: same branch, same hop (§17.1.1.3). */
        n = snprintf(ack_text, sizeof(ack_text),
                     "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                     "Call-ID: %s@%s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
                     invite_ruri, sip.host, sip.port, branch, sip.host, sip.port, from_tag,
                     to_tag_hdr, call_id, sip.host);
        ua_sip_send(&sip, next_host, next_port, ack_text, (size_t)n);
        osip_message_free(final);
        if (o.expect_code && code == o.expect_code)
            return finish(1, "got the expected %d", code);
        return finish(0, "call failed with %d", code);
    }
    if (o.expect_code)
        say("expected %d but the call was answered", o.expect_code);

    /* Dialog: remote target from Contact, route set = Record-Route reversed (§12.1.2). */
    osip_contact_t *ct = NULL;
    char *ct_s = NULL;
    if (osip_message_get_contact(final, 0, &ct) != 0 || !ct || !ct->url ||
        osip_uri_to_str(ct->url, &ct_s) != 0) {
        osip_message_free(final);
        return finish(0, "2xx without Contact");
    }
    snprintf(remote_target, sizeof(remote_target), "%s", ct_s);
    osip_free(ct_s);
    ua_sip_uri_hostport(ct->url, next_host, sizeof(next_host), &next_port);
    route_hdrs[0] = '\0';
    int nrr = osip_list_size(&final->record_routes);
    for (int i = nrr - 1; i >= 0; i--) {
        osip_record_route_t *rr = NULL;
        char *rr_s = NULL;
        osip_message_get_record_route(final, i, &rr);
        if (!rr || osip_record_route_to_str(rr, &rr_s) != 0)
            continue;
        size_t l = strlen(route_hdrs);
        snprintf(route_hdrs + l, sizeof(route_hdrs) - l, "Route: %s\r\n", rr_s);
        osip_free(rr_s);
        if (i == nrr - 1)
            ua_sip_uri_hostport(rr->url, next_host, sizeof(next_host), &next_port);
    }

    int is_sdp;
    const char *ans = ua_sip_body(final, &is_sdp);
    snprintf(sdp_recv, sizeof(sdp_recv), "%s", ans ? ans : "");
    ua_sdp peer;
    char err[200];
    int sdp_ok = ans && is_sdp && ua_sdp_parse(ans, &peer, err, sizeof(err)) == 0;
    osip_message_free(final);

    ua_sip_token(branch, sizeof(branch));
    n = snprintf(ack_text, sizeof(ack_text),
                 "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                 "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                 "Call-ID: %s@%s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
                 remote_target, sip.host, sip.port, branch, route_hdrs, sip.host, sip.port,
                 from_tag, to_tag_hdr, call_id, sip.host);
    ua_sip_send(&sip, next_host, next_port, ack_text, (size_t)n);

    int media_ready = 0;
    if (sdp_recv[0])
        say_sdp("sdp-received", sdp_recv);
    if (!sdp_ok) {
        snprintf(why, sizeof(why), "answer SDP unusable: %.150s",
                 !ans ? "no body" : !is_sdp ? "not application/sdp" : err);
    } else if (o.phone) {
        /* RFC 4568 §7.1.3: the answer names the offered tag it accepted. */
        const ua_crypto *pick = NULL;
        for (size_t i = 0; i < peer.n_crypto && !pick; i++)
            for (size_t j = 0; j < o.n_suites; j++)
                if (peer.crypto[i].tag == offer_keys[j].tag &&
                    !strcmp(peer.crypto[i].suite, offer_keys[j].suite)) {
                    pick = &peer.crypto[i];
                    tx_key = offer_keys[j];
                }
        if (strcmp(peer.proto, "RTP/SAVP") != 0)
            snprintf(why, sizeof(why), "answer proto is %s, not RTP/SAVP", peer.proto);
        else if (!pick)
            snprintf(why, sizeof(why), "answer has no a=crypto matching an offered tag/suite");
        else {
            rx_key = *pick;
            negotiated_suite = tx_key.suite;
            media_ready = ua_media_set_peer(&media, peer.addr, peer.port) == 0 &&
                          ua_media_set_srtp(&media, &tx_key, &rx_key, why, sizeof(why)) == 0;
        }
    } else {
        if (strcmp(peer.proto, "RTP/AVP") != 0 || peer.n_crypto)
            snprintf(why, sizeof(why), "a legacy PBX needs RTP/AVP without a=crypto, got %s",
                     peer.proto);
        else
            media_ready = ua_media_set_peer(&media, peer.addr, peer.port) == 0;
    }

    double t0 = now();
    media_t0 = t0;
    media_tick = uac_tick;
    if (media_ready)
        media_loop(o.seconds, t0 + o.seconds + 1.0, uac_on_sip);
    media_tick = NULL;
    if (o.reinvite_at && reinv_state != 2)
        say("re-INVITE %s", reinv_state == 0 ? "never sent" : "not answered");

    /* BYE (§15.1.1), retransmitted until a final response. */
    ua_sip_token(branch, sizeof(branch));
    n = snprintf(text, sizeof(text),
                 "BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                 "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                 "Call-ID: %s@%s\r\nCSeq: %u BYE\r\nContent-Length: 0\r\n\r\n",
                 remote_target, sip.host, sip.port, branch, route_hdrs, sip.host, sip.port,
                 from_tag, to_tag_hdr, call_id, sip.host, uac_cseq + 1);
    int bye_code = 0;
    for (int i = 0; i < 8 && !bye_code; i++) {
        ua_sip_send(&sip, next_host, next_port, text, (size_t)n);
        double until = now() + 0.5;
        while (now() < until && !bye_code) {
            osip_message_t *m = NULL;
            if (ua_sip_recv(&sip, 50, &m, &garbage) > 0) {
                if (MSG_IS_RESPONSE(m) && m->cseq->method && !strcmp(m->cseq->method, "BYE") &&
                    m->status_code >= 200)
                    bye_code = m->status_code;
                else
                    uac_on_sip(m);
                osip_message_free(m);
            }
            ua_media_drain(&media);
        }
    }
    say("bye=%d", bye_code);
    if (!media_ready)
        return finish(0, "%s", why);
    int ok = media_ok(why, sizeof(why));
    if (bye_code != 200)
        return finish(0, "BYE got %d", bye_code);
    if (o.reinvite_at && reinvite_code != 200)
        return finish(0, "re-INVITE got %d", reinvite_code);
    if (o.reinvite_at && o.rekey && o.phone && rekeyed != 1)
        return finish(0, "rekey requested but not done");
    return finish(ok, "%s", why);
}

/* ---------------- callee ---------------- */

static char last_resp[8192];
static int last_resp_len;
static char resp_host[64];
static unsigned resp_port;
static int got_ack, got_bye;
static char my_tag[32];

/* Responses go back to the top Via's sent-by, honouring rport/received. */
static void via_target(osip_message_t *req)
{
    osip_via_t *via = NULL;
    osip_generic_param_t *rp = NULL, *rc = NULL;
    osip_message_get_via(req, 0, &via);
    if (!via)
        return;
    snprintf(resp_host, sizeof(resp_host), "%s", via->host);
    resp_port = via->port ? (unsigned)atoi(via->port) : 5060;
    osip_via_param_get_byname(via, "received", &rc);
    osip_via_param_get_byname(via, "rport", &rp);
    if (rc && rc->gvalue)
        snprintf(resp_host, sizeof(resp_host), "%s", rc->gvalue);
    if (rp && rp->gvalue)
        resp_port = (unsigned)atoi(rp->gvalue);
}

static void respond(osip_message_t *req, int code, const char *reason, const char *body,
                    int remember)
{
    char contact[128], buf[8192];
    snprintf(contact, sizeof(contact), "<sip:bob@%s:%u>", sip.host, sip.port);
    int n = ua_sip_response(buf, sizeof(buf), req, code, reason, my_tag,
                            code >= 200 && code < 300 ? contact : NULL,
                            body ? "application/sdp" : NULL, body);
    if (n < 0)
        return;
    via_target(req);
    ua_sip_send(&sip, resp_host, resp_port, buf, (size_t)n);
    if (remember) {
        memcpy(last_resp, buf, (size_t)n);
        last_resp_len = n;
    }
}

static char reinv_resp[8192];
static int reinv_resp_len;
static unsigned reinv_cseq, switch_on_ack;
static ua_crypto uas_new_key;

/* A re-INVITE (RFC 3261 §14.2): same keys -> same answer; a new peer key ->
 * learn it now (old kept) and answer with our own next key, which we start
 * using when its ACK arrives (RFC 4568 §7.1.4). */
static void uas_reinvite(osip_message_t *m, unsigned num)
{
    char why[200], body[4096];
    int is_sdp;
    ua_sdp peer;
    const char *offer = ua_sip_body(m, &is_sdp);
    const ua_crypto *k = &tx_key;

    reinv_cseq = num;
    if (!offer || !is_sdp || ua_sdp_parse(offer, &peer, why, sizeof(why)) < 0) {
        respond(m, 488, "Not Acceptable Here", NULL, 0);
        return;
    }
    say_sdp("sdp-received (re-INVITE)", offer);
    if (o.phone) {
        const ua_crypto *pn = NULL;
        for (size_t i = 0; i < peer.n_crypto && !pn; i++)
            if (peer.crypto[i].tag == rx_key.tag && !strcmp(peer.crypto[i].suite, rx_key.suite))
                pn = &peer.crypto[i];
        if (!pn) {
            respond(m, 488, "Not Acceptable Here", NULL, 0);
            return;
        }
        if (pn->keysalt_len != rx_key.keysalt_len ||
            memcmp(pn->keysalt, rx_key.keysalt, pn->keysalt_len) != 0) {
            if (!pn->mki_len || !rx_key.mki_len || install_rekey(pn, NULL, 0, why, sizeof(why)) < 0) {
                respond(m, 488, "Not Acceptable Here", NULL, 0);
                return;
            }
            next_key(&uas_new_key, &tx_key);
            k = &uas_new_key;
            switch_on_ack = num;
        }
    }
    if (build_sdp(body, sizeof(body), k, 1) < 0)
        return;
    say_sdp("sdp-sent (re-INVITE)", body);
    char contact[128];
    snprintf(contact, sizeof(contact), "<sip:bob@%s:%u>", sip.host, sip.port);
    int n = ua_sip_response(reinv_resp, sizeof(reinv_resp), m, 200, "OK", my_tag, contact,
                            "application/sdp", body);
    if (n < 0)
        return;
    reinv_resp_len = n;
    reinvite_code = 200;
    via_target(m);
    ua_sip_send(&sip, resp_host, resp_port, reinv_resp, (size_t)n);
}

static int uas_on_sip(osip_message_t *m)
{
    unsigned num = m->cseq && m->cseq->number ? (unsigned)strtoul(m->cseq->number, NULL, 10) : 0;
    if (MSG_IS_INVITE(m) && num > 1 && num == reinv_cseq && reinv_resp_len)
        ua_sip_send(&sip, resp_host, resp_port, reinv_resp, (size_t)reinv_resp_len);
    else if (MSG_IS_INVITE(m) && num > 1 && num != reinv_cseq)
        uas_reinvite(m, num);
    else if (MSG_IS_INVITE(m) && last_resp_len) /* retransmitted INVITE */
        ua_sip_send(&sip, resp_host, resp_port, last_resp, (size_t)last_resp_len);
    else if (MSG_IS_ACK(m) && num > 1 && switch_on_ack == num) {
        char why[200];
        switch_on_ack = 0;
        if (install_rekey(NULL, &uas_new_key, 1, why, sizeof(why)) < 0)
            say("rekey failed: %s", why);
    } else if (MSG_IS_ACK(m))
        got_ack = 1;
    else if (MSG_IS_BYE(m)) {
        respond(m, 200, "OK", NULL, 0);
        got_bye = 1;
        return 1;
    } else if (MSG_IS_REQUEST(m))
        respond(m, 501, "Not Implemented", NULL, 0);
    return 0;
}

static int uas(void)
{
    char why[200], answer[4096], err[200];
    osip_message_t *inv = NULL;
    double deadline = now() + o.timeout;

    if (o.port_file) {
        FILE *f = fopen(o.port_file, "w");
        if (!f)
            return finish(0, "cannot write %s", o.port_file);
        fprintf(f, "%u\n", sip.port);
        fclose(f);
    }
    say("role=%s side=uas sip=%s:%u", o.phone ? "phone" : "pbx", sip.host, sip.port);
    while (!inv) {
        if (now() > deadline)
            return finish(0, "no INVITE within %.0fs", o.timeout);
        osip_message_t *m = NULL;
        if (ua_sip_recv(&sip, 100, &m, &garbage) <= 0)
            continue;
        if (MSG_IS_INVITE(m))
            inv = m;
        else
            osip_message_free(m);
    }
    ua_sip_token(my_tag, sizeof(my_tag));
    respond(inv, 100, "Trying", NULL, 0);

    int is_sdp;
    const char *offer = ua_sip_body(inv, &is_sdp);
    snprintf(sdp_recv, sizeof(sdp_recv), "%s", offer ? offer : "");
    if (offer)
        say_sdp("sdp-received", offer);
    ua_sdp peer;
    int code = 200;
    const char *reason = "OK";
    why[0] = '\0';
    if (!offer) {
        code = 488, reason = "Not Acceptable Here";
        snprintf(why, sizeof(why), "INVITE without SDP (late offer not supported by e2e-ua)");
    } else if (!is_sdp) {
        code = 415, reason = "Unsupported Media Type";
        snprintf(why, sizeof(why), "offer is not application/sdp");
    } else if (ua_sdp_parse(offer, &peer, err, sizeof(err)) < 0) {
        code = 400, reason = "Bad SDP";
        snprintf(why, sizeof(why), "offer SDP: %.150s", err);
    } else if (!o.phone) {
        if (strcmp(peer.proto, "RTP/AVP") != 0) {
            code = 488, reason = "Not Acceptable Here";
            snprintf(why, sizeof(why), "legacy PBX cannot do %s", peer.proto);
        }
    } else {
        const ua_crypto *pick = NULL;
        for (size_t i = 0; i < peer.n_crypto && !pick; i++)
            if (suite_wanted(peer.crypto[i].suite))
                pick = &peer.crypto[i];
        if (strcmp(peer.proto, "RTP/SAVP") != 0 || !pick) {
            code = 488, reason = "Not Acceptable Here";
            snprintf(why, sizeof(why), "offer has %s and no acceptable a=crypto",
                     peer.proto);
        } else {
            rx_key = *pick;
            new_key(&tx_key, pick->tag, pick->suite);
            negotiated_suite = tx_key.suite;
        }
    }
    if (code == 200) {
        if (build_sdp(answer, sizeof(answer), &tx_key, 1) < 0 ||
            ua_media_set_peer(&media, peer.addr, peer.port) < 0) {
            code = 500, reason = "Server Internal Error";
            snprintf(why, sizeof(why), "cannot answer (SDP or peer address %s:%u)", peer.addr,
                     peer.port);
        } else if (o.phone && ua_media_set_srtp(&media, &tx_key, &rx_key, why, sizeof(why)) < 0) {
            code = 500, reason = "Server Internal Error";
        }
    }
    if (code != 200) {
        say("final=%d %s", code, reason);
        respond(inv, code, reason, NULL, 1);
        osip_message_free(inv);
        /* Wait for the ACK of the rejection, retransmitting (Timer G). */
        double until = now() + 4.0, next = now() + 0.5;
        while (!got_ack && now() < until) {
            osip_message_t *m = NULL;
            if (ua_sip_recv(&sip, 50, &m, &garbage) > 0) {
                uas_on_sip(m);
                osip_message_free(m);
            }
            if (!got_ack && now() > next) {
                ua_sip_send(&sip, resp_host, resp_port, last_resp, (size_t)last_resp_len);
                next = now() + 0.5;
            }
        }
        /* Rejecting an offer the role cannot take is correct behaviour. */
        return finish(code == 488 || code == 415 || code == 400, "rejected: %s", why);
    }
    snprintf(sdp_sent, sizeof(sdp_sent), "%s", answer);
    say_sdp("sdp-sent", answer);
    respond(inv, 200, "OK", answer, 1);
    osip_message_free(inv);
    say("final=200 OK");

    /* 2xx retransmission until ACK (§13.3.1.4). */
    double next = now() + 0.5, until = now() + 8.0;
    while (!got_ack && !got_bye && now() < until) {
        osip_message_t *m = NULL;
        if (ua_sip_recv(&sip, 50, &m, &garbage) > 0) {
            uas_on_sip(m);
            osip_message_free(m);
        }
        if (!got_ack && now() > next) {
            ua_sip_send(&sip, resp_host, resp_port, last_resp, (size_t)last_resp_len);
            next = now() + 0.5;
        }
    }
    if (!got_ack)
        return finish(0, "no ACK for 200");
    int stop = media_loop(o.seconds, now() + o.seconds + o.timeout, uas_on_sip);
    if (stop == 1) { /* BYE: a last look at what is in flight */
        double end = now() + 0.2;
        while (now() < end)
            ua_media_drain(&media);
    }
    if (!got_bye)
        return finish(0, "no BYE");
    int ok = media_ok(why, sizeof(why));
    return finish(ok, "%s", why);
}

static void usage(void)
{
    fputs("usage: e2e-ua uac|uas --role pbx|phone [options]\n"
          "  --bind ADDR          local address (127.0.0.1)\n"
          "  --sip-port N         local SIP port (0: any)\n"
          "  --port-file FILE     write the bound SIP port here once listening\n"
          "  --to URI             uac: Request-URI, e.g. sip:bob@127.0.0.1:5070\n"
          "  --proxy HOST:PORT    uac: first hop (default: the URI's host:port)\n"
          "  --suite NAME         phone: suite to offer/accept (repeatable;\n"
          "                       default AES_CM_128_HMAC_SHA1_80)\n"
          "  --mki LEN            phone: own keys carry MKI value 1 in LEN bytes\n"
          "  --seconds S          media seconds each way (3)\n"
          "  --min-percent P      share of expected packets that must arrive (95)\n"
          "  --expect-code N      uac: succeed when the final response is N\n"
          "  --offer-file FILE    uac: send this body as the offer (bad-input tests)\n"
          "  --content-type T     Content-Type for --offer-file\n"
          "  --timeout S          give up after S seconds (20)\n"
          "  --sdp-out FILE       write the SDP received from the peer (keys masked)\n"
          "  --header 'Name: value'  uac: extra INVITE header (repeatable)\n"
          "  --reinvite-at S      uac: re-INVITE S seconds into the media\n"
          "  --rekey              phone: that re-INVITE carries a new key with the\n"
          "                       next MKI (needs --mki on both sides); zero loss\n"
          "  --tamper-every N     flip a payload bit in every Nth packet after protecting\n"
          "                       it (proves the peer really authenticates SRTP)\n",
          stderr);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"role", 1, 0, 'r'},       {"bind", 1, 0, 'b'},         {"sip-port", 1, 0, 'p'},
        {"port-file", 1, 0, 'f'},  {"to", 1, 0, 't'},           {"proxy", 1, 0, 'x'},
        {"suite", 1, 0, 's'},      {"mki", 1, 0, 'm'},          {"seconds", 1, 0, 'S'},
        {"min-percent", 1, 0, 'P'}, {"expect-code", 1, 0, 'e'}, {"offer-file", 1, 0, 'o'},
        {"content-type", 1, 0, 'c'}, {"timeout", 1, 0, 'T'},    {"sdp-out", 1, 0, 'O'},
        {"tamper-every", 1, 0, 'X'}, {"header", 1, 0, 'H'},
        {"reinvite-at", 1, 0, 'R'}, {"rekey", 0, 0, 'K'}, {0, 0, 0, 0},
    };
    int c;
    const char *role = NULL;

    o.bind = "127.0.0.1";
    o.seconds = 3;
    o.min_percent = 95;
    o.timeout = 20;
    media.fd = -1;
    if (argc < 2 || (strcmp(argv[1], "uac") && strcmp(argv[1], "uas"))) {
        usage();
        return 2;
    }
    o.uac = !strcmp(argv[1], "uac");
    optind = 2;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'r': role = optarg; break;
        case 'b': o.bind = optarg; break;
        case 'p': o.sip_port = (unsigned)atoi(optarg); break;
        case 'f': o.port_file = optarg; break;
        case 't': o.to = optarg; break;
        case 'x':
            if (sscanf(optarg, "%63[^:]:%u", o.proxy_host, &o.proxy_port) != 2) {
                fprintf(stderr, "e2e-ua: --proxy wants HOST:PORT\n");
                return 2;
            }
            break;
        case 's':
            if (o.n_suites == UA_MAX_CRYPTO || !ua_suite_keysalt_len(optarg)) {
                fprintf(stderr, "e2e-ua: unknown or too many suites: %s\n", optarg);
                return 2;
            }
            o.suites[o.n_suites++] = optarg;
            break;
        case 'm': o.mki_len = (unsigned)atoi(optarg); break;
        case 'S': o.seconds = atof(optarg); break;
        case 'P': o.min_percent = atof(optarg); break;
        case 'e': o.expect_code = atoi(optarg); break;
        case 'o': o.offer_file = optarg; break;
        case 'c': o.content_type = optarg; break;
        case 'T': o.timeout = atof(optarg); break;
        case 'O': o.sdp_out = optarg; break;
        case 'H': {
            size_t l = strlen(o.extra_hdrs);
            if (strchr(optarg, '\r') || strchr(optarg, '\n') ||
                l + strlen(optarg) + 3 > sizeof(o.extra_hdrs)) {
                fprintf(stderr, "e2e-ua: --header: one line, 500 bytes in all\n");
                return 2;
            }
            snprintf(o.extra_hdrs + l, sizeof(o.extra_hdrs) - l, "%s\r\n", optarg);
            break;
        }
        case 'R': o.reinvite_at = atof(optarg); break;
        case 'K': o.rekey = 1; break;
        case 'X': o.tamper_every = (unsigned)atoi(optarg); break;
        default: usage(); return 2;
        }
    }
    if (!role || (strcmp(role, "pbx") && strcmp(role, "phone"))) {
        fprintf(stderr, "e2e-ua: --role pbx|phone is required\n");
        return 2;
    }
    o.phone = !strcmp(role, "phone");
    if (o.uac && !o.to) {
        fprintf(stderr, "e2e-ua: uac needs --to URI\n");
        return 2;
    }
    if (o.rekey && (!o.phone || !o.mki_len || !o.reinvite_at)) {
        fprintf(stderr, "e2e-ua: --rekey needs --role phone, --mki and --reinvite-at\n");
        return 2;
    }
    if (o.mki_len > 4 || o.seconds < 0 || o.seconds > 60) {
        fprintf(stderr, "e2e-ua: --mki 0..4, --seconds 0..60\n");
        return 2;
    }
    if (o.n_suites == 0)
        o.suites[o.n_suites++] = "AES_CM_128_HMAC_SHA1_80";
    if (ua_sip_open(&sip, o.bind, o.sip_port) < 0) {
        fprintf(stderr, "e2e-ua: SIP socket %s:%u: %s\n", o.bind, o.sip_port, strerror(errno));
        return 1;
    }
    if (ua_media_open(&media, o.bind, 0) < 0) {
        fprintf(stderr, "e2e-ua: RTP socket: %s\n", strerror(errno));
        return 1;
    }
    media.tamper_every = o.tamper_every;
    return o.uac ? uac() : uas();
}
