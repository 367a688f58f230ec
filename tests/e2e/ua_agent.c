/*
 * tests/e2e/ua_agent.c — the shared core of e2e-ua: call state, the report
 * (SDP seen with keys masked, suite, MKIs, packet tally, verdict), key
 * generation and rollover for the SRTP phone role, and the media loop that
 * sends numbered RTP while answering SIP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ua_agent.h"

ua_opts ua_o;
ua_sip ua_sp;
ua_media ua_m;

/* The longest run of packet numbers missing between the first and the last
 * one received: a relay loss's media gap in packets (20 ms each). */
static unsigned max_gap(void)
{
    unsigned best = 0, run = 0;
    for (int n = ua_m.first; n >= 0 && n <= ua_m.last; n++) {
        run = (ua_m.seen[n / 8] & (1u << (n % 8))) ? 0 : run + 1;
        if (run > best)
            best = run;
    }
    return best;
}
char ua_sdp_sent[4096], ua_sdp_recv[4096];
const char *ua_negotiated_suite = "";
ua_crypto ua_tx_key, ua_rx_key;
unsigned ua_garbage;
unsigned ua_rekeyed;
unsigned ua_peer_mki;
int ua_reinvite_code;

double ua_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void ua_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ua_say(const char *fmt, ...)
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
void ua_say_sdp(const char *what, const char *sdp)
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
    ua_say("%s: %s", what, line);
}

int ua_finish(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ua_finish(int ok, const char *fmt, ...)
{
    char why[300] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (ua_o.sdp_out && ua_sdp_recv[0]) {
        FILE *f = fopen(ua_o.sdp_out, "w");
        if (f) {
            char masked[4096];
            ua_sdp_mask(ua_sdp_recv, masked, sizeof(masked));
            fputs(masked, f);
            fclose(f);
        }
    }
    if (ua_m.fd > 0) {
        ua_say("suite=%s mki-tx=%zu mki-rx=%zu rx-keys=%zu peer-mki-lines=%u",
               ua_negotiated_suite[0] ? ua_negotiated_suite : "none", ua_tx_key.mki_len,
               ua_rx_key.mki_len, ua_rx_key.keysalt_len ? 1 + ua_rx_key.n_more : 0, ua_peer_mki);
        ua_say("rtp sent=%u received=%u intact=%u corrupt=%u duplicate=%u srtp-failed=%u "
               "other=%u first=%d last=%d max-gap=%u",
               ua_m.sent, ua_m.recv, ua_m.intact, ua_m.corrupt, ua_m.dup, ua_m.srtp_fail,
               ua_m.other, ua_m.first, ua_m.last, max_gap());
    }
    if (ua_o.reinvite_at || ua_o.hold_at || ua_o.update_at || ua_reinvite_code || ua_rekeyed ||
        ua_m.rx_mki || ua_m.held_slots) {
        char seen[128] = "";
        for (unsigned v = 0; v < UA_MEDIA_MKI_SLOTS; v++) {
            size_t l = strlen(seen);
            if (ua_m.mki_seen[v])
                snprintf(seen + l, sizeof(seen) - l, "%s%u:%u", l ? "," : "", v, ua_m.mki_seen[v]);
        }
        ua_say("reinvite=%d rekeyed=%u mki-received=%s held-slots=%u", ua_reinvite_code, ua_rekeyed,
               seen[0] ? seen : "-", ua_m.held_slots);
    }
    if (ua_garbage)
        ua_say("unparsable SIP datagrams: %u", ua_garbage);
    ua_say("result=%s%s%s", ok ? "ok" : "FAIL", why[0] ? " " : "", why);
    if (!ok)
        fprintf(stderr, "e2e-ua: %s\n", why);
    ua_media_close(&ua_m);
    return ok ? 0 : 1;
}

/* The media verdict after a call: everything intact, nothing forged, and
 * at least min_percent of what the peer sends in ua_o.seconds. */
int ua_media_ok(char *why, size_t cap)
{
    unsigned expected = (unsigned)(ua_o.seconds * 50.0 + 0.5);
    if (ua_m.corrupt || ua_m.srtp_fail > ua_o.max_srtp_fail || ua_m.dup) {
        snprintf(why, cap, "media damaged: %u corrupt, %u failed SRTP checks, %u duplicates",
                 ua_m.corrupt, ua_m.srtp_fail, ua_m.dup);
        return 0;
    }
    if ((double)ua_m.intact * 100.0 < ua_o.min_percent * (double)expected) {
        snprintf(why, cap, "received %u of %u expected packets (< %.0f%%)", ua_m.intact, expected,
                 ua_o.min_percent);
        return 0;
    }
    snprintf(why, cap, "%u/%u packets intact", ua_m.intact, expected);
    return 1;
}

/* Offer (uac) or answer (uas) SDP for our role. For the phone, keys[] are
 * this side's keys (one per offered suite, or the one answered). */
int ua_build_sdp_dir(char *buf, size_t cap, const ua_crypto *keys, size_t n, const char *dir)
{
    return ua_sdp_build_dir(buf, cap, ua_o.bind, ua_media_port(&ua_m),
                            ua_o.phone ? "RTP/SAVP" : "RTP/AVP", keys, ua_o.phone ? n : 0, dir);
}

int ua_build_sdp(char *buf, size_t cap, const ua_crypto *keys, size_t n)
{
    return ua_sdp_build(buf, cap, ua_o.bind, ua_media_port(&ua_m),
                        ua_o.phone ? "RTP/SAVP" : "RTP/AVP", keys, ua_o.phone ? n : 0);
}

int ua_suite_wanted(const char *s)
{
    for (size_t i = 0; i < ua_o.n_suites; i++)
        if (!strcmp(ua_o.suites[i], s))
            return 1;
    return 0;
}

void ua_new_key(ua_crypto *k, unsigned tag, const char *suite)
{
    memset(k, 0, sizeof(*k));
    k->tag = tag;
    snprintf(k->suite, sizeof(k->suite), "%s", suite);
    ua_crypto_new_key(k);
    if (ua_o.mki_len) {
        k->mki_len = ua_o.mki_len;
        k->mki[ua_o.mki_len - 1] = 1; /* MKI value 1 */
    }
}

/* The next key of a rekey: same tag and suite, fresh key, MKI + 1
 * (RFC 4568 §6.1: a new MKI names the new master key). */
void ua_next_key(ua_crypto *nk, const ua_crypto *cur)
{
    ua_new_key(nk, cur->tag, cur->suite);
    nk->mki_len = cur->mki_len;
    memcpy(nk->mki, cur->mki, cur->mki_len);
    for (size_t i = cur->mki_len; i-- > 0;)
        if (++nk->mki[i] != 0)
            break;
}

/* A peer's key as this phone takes it: without MKI support (--no-mki) the
 * MKI is dropped, as phones that ignore it do: libsrtp2 then reads the
 * MKI bytes as part of the tag and every packet carrying one fails
 * authentication (linphone's "srtp_unprotect() failed (7)"). */
void ua_take_peer_key(ua_crypto *dst, const ua_crypto *src)
{
    *dst = *src;
    if (src->mki_len)
        ua_peer_mki++;
    if (ua_o.no_mki) {
        dst->mki_len = 0;
        dst->n_more = 0;
    }
}

/* Install a rekey: rx learns the peer's new key (the old one stays for
 * packets in flight); tx switches to ours when switch_tx. Keys without an
 * MKI cannot be told apart: the new one replaces the old at once, as a
 * phone without MKI support does. */
int ua_install_rekey(const ua_crypto *peer_new, const ua_crypto *own_new, int switch_tx, char *why,
                     size_t cap)
{
    ua_crypto two[2];
    if (peer_new && ua_o.keep_rx_key) {
        /* baresip 1.0: its srtp module sets the receive context up once
         * and never looks at a later a=crypto of the peer. */
        ua_say("peer key change ignored (keeps its first receive key)");
        peer_new = NULL;
    }
    if (peer_new && (ua_o.no_mki || !peer_new->mki_len || !ua_rx_key.mki_len)) {
        ua_take_peer_key(&two[0], peer_new);
        if (ua_media_update_keys(&ua_m, 0, two, 1, 0, why, cap) < 0)
            return -1;
        ua_rx_key = two[0];
        ua_say("peer key replaced (plain key change)");
        peer_new = NULL;
    }
    if (own_new && switch_tx && !own_new->mki_len) {
        if (ua_media_update_keys(&ua_m, 1, own_new, 1, 0, why, cap) < 0)
            return -1;
        ua_tx_key = *own_new;
        ua_rekeyed++;
        own_new = NULL;
    }
    if (peer_new) {
        two[0] = ua_rx_key;
        two[1] = *peer_new;
        if (ua_media_update_keys(&ua_m, 0, two, 2, 0, why, cap) < 0)
            return -1;
        ua_rx_key = *peer_new;
    }
    if (own_new && switch_tx) {
        two[0] = ua_tx_key;
        two[1] = *own_new;
        if (ua_media_update_keys(&ua_m, 1, two, 2, 1, why, cap) < 0)
            return -1;
        ua_tx_key = *own_new;
        ua_rekeyed++;
    }
    return 0;
}

/* Media: send one packet per 20 ms for `secs` (0: send nothing), keep
 * draining until `until`, answer SIP through on_sip. Returns when until is
 * reached or on_sip returns non-zero. */
void (*ua_media_tick)(void);
int ua_media_loop(double secs, double until, ua_sip_handler on_sip)
{
    double start = ua_now(), next = start;
    unsigned slots = (unsigned)(secs * 50.0 + 0.5), slot = 0;
    for (;;) {
        double t = ua_now();
        if (t >= until)
            return 0;
        if (ua_media_tick)
            ua_media_tick();
        /* One 20 ms slot per packet; a held stream skips its slots. */
        while (slot < slots && t >= next) {
            if (ua_m.paused)
                ua_m.held_slots++;
            else if (ua_media_send(&ua_m) < 0)
                return -1;
            slot++;
            next = start + 0.02 * slot;
        }
        double wait = (slot < slots ? next : until) - t;
        if (wait > 0.005)
            wait = 0.005;
        osip_message_t *m = NULL;
        int r = ua_sip_recv(&ua_sp, (int)(wait * 1000), &m, &ua_garbage);
        ua_media_drain(&ua_m);
        if (r > 0) {
            int stop = on_sip ? on_sip(m) : 0;
            osip_message_free(m);
            if (stop)
                return stop;
        }
    }
}

int ua_take_offer(const char *offer, int is_sdp, const char **reason, char *why, size_t cap)
{
    ua_sdp peer;
    char err[200];

    why[0] = '\0';
    if (!is_sdp) {
        *reason = "Unsupported Media Type";
        snprintf(why, cap, "offer is not application/sdp");
        return 415;
    }
    if (ua_sdp_parse(offer, &peer, err, sizeof(err)) < 0) {
        *reason = "Bad SDP";
        snprintf(why, cap, "offer SDP: %.150s", err);
        return 400;
    }
    *reason = "Not Acceptable Here";
    if (!ua_o.phone) {
        if (strcmp(peer.proto, "RTP/AVP") != 0) {
            snprintf(why, cap, "legacy PBX cannot do %s", peer.proto);
            return 488;
        }
    } else {
        const ua_crypto *pick = NULL;
        for (size_t i = 0; i < peer.n_crypto && !pick; i++)
            if (ua_suite_wanted(peer.crypto[i].suite))
                pick = &peer.crypto[i];
        if (strcmp(peer.proto, "RTP/SAVP") != 0 || !pick) {
            snprintf(why, cap, "offer has %s and no acceptable a=crypto", peer.proto);
            return 488;
        }
        ua_take_peer_key(&ua_rx_key, pick);
        ua_new_key(&ua_tx_key, pick->tag, pick->suite);
        ua_negotiated_suite = ua_tx_key.suite;
    }
    *reason = "Server Internal Error";
    if (ua_media_set_peer(&ua_m, peer.addr, peer.port) < 0) {
        snprintf(why, cap, "bad peer media address %s:%u", peer.addr, peer.port);
        return 500;
    }
    if (ua_o.phone && ua_media_set_srtp(&ua_m, &ua_tx_key, &ua_rx_key, why, cap) < 0)
        return 500;
    *reason = "OK";
    return 200;
}

int ua_take_answer(const char *ans, int is_sdp, const ua_crypto *keys, size_t n, char *why,
                   size_t cap)
{
    ua_sdp peer;
    char err[200];

    if (!ans || !is_sdp || ua_sdp_parse(ans, &peer, err, sizeof(err)) < 0) {
        snprintf(why, cap, "answer SDP unusable: %.150s",
                 !ans      ? "no body"
                 : !is_sdp ? "not application/sdp"
                           : err);
        return 0;
    }
    if (!ua_o.phone) {
        if (strcmp(peer.proto, "RTP/AVP") != 0 || peer.n_crypto) {
            snprintf(why, cap, "a legacy PBX needs RTP/AVP without a=crypto, got %s", peer.proto);
            return 0;
        }
        return ua_media_set_peer(&ua_m, peer.addr, peer.port) == 0;
    }
    /* RFC 4568 §7.1.3: the answer names the offered tag it accepted. */
    const ua_crypto *pick = NULL;
    for (size_t i = 0; i < peer.n_crypto && !pick; i++)
        for (size_t j = 0; j < n; j++)
            if (peer.crypto[i].tag == keys[j].tag && !strcmp(peer.crypto[i].suite, keys[j].suite)) {
                pick = &peer.crypto[i];
                ua_tx_key = keys[j];
            }
    if (strcmp(peer.proto, "RTP/SAVP") != 0) {
        snprintf(why, cap, "answer proto is %s, not RTP/SAVP", peer.proto);
        return 0;
    }
    if (!pick) {
        snprintf(why, cap, "answer has no a=crypto matching an offered tag/suite");
        return 0;
    }
    ua_take_peer_key(&ua_rx_key, pick);
    ua_negotiated_suite = ua_tx_key.suite;
    return ua_media_set_peer(&ua_m, peer.addr, peer.port) == 0 &&
           ua_media_set_srtp(&ua_m, &ua_tx_key, &ua_rx_key, why, cap) == 0;
}
