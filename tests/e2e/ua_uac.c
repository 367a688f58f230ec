/*
 * tests/e2e/ua_uac.c — the caller side of e2e-ua (RFC 3261 UAC): INVITE
 * with retransmission (Timer A), ACK for 2xx and non-2xx, the dialog's
 * route set from Record-Route (loose routing), the answer checked for the
 * role, media, re-offers in the dialog either way (ua_dialog.c: hold,
 * a zero-loss rekey, RFC 4568 §7.1.4, UPDATE) and BYE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ua_agent.h"
#include "ua_dialog.h"

static char call_id[64], from_tag[32], to_tag_hdr[400];
static char next_host[64];
static unsigned next_port;
static char ack_text[4096];
static char route_hdrs[1024], remote_target[256];

static double ack_due; /* --ack-delay: when the held-back ACK goes */

/* ---- forking: what the caller sees from several branches ---- */

/* The key of the first a=crypto line of an answer, to tell whether every
 * answer (each branch's 183, the 2xx) carried the same key toward us. */
static uint8_t early_key[UA_MAX_KEYSALT];
static size_t early_key_len;
static int early_answers, early_keys_differ;
static char final_tag[64];
static unsigned final_repeats, final_repeats_same;

static int answer_key(const char *sdp, uint8_t *key, size_t *len)
{
    ua_sdp peer;
    char err[200];
    if (!sdp || ua_sdp_parse(sdp, &peer, err, sizeof(err)) < 0 || !peer.n_crypto)
        return -1;
    memcpy(key, peer.crypto[0].keysalt, peer.crypto[0].keysalt_len);
    *len = peer.crypto[0].keysalt_len;
    memset(&peer, 0, sizeof(peer));
    return 0;
}

/* Every answer's key against the first early answer's. */
static void compare_answer_key(const char *sdp)
{
    uint8_t k[UA_MAX_KEYSALT];
    size_t n;
    if (answer_key(sdp, k, &n) < 0)
        return;
    if (!early_key_len) {
        memcpy(early_key, k, n);
        early_key_len = n;
    } else if (n != early_key_len || memcmp(k, early_key, n) != 0) {
        early_keys_differ++;
    }
    memset(k, 0, sizeof(k));
}

static const char *to_tag_of(osip_message_t *m)
{
    osip_generic_param_t *tag = NULL;
    if (!m->to || osip_to_get_tag(m->to, &tag) != 0 || !tag || !tag->gvalue)
        return "";
    return tag->gvalue;
}

/* Another branch's 2xx after ours (a fork where both answered, RFC 3261
 * §13.2.2.4): each gets its ACK, and a BYE since we keep the first. */
static struct other_dialog {
    char tag[64], host[64], bye[4096];
    unsigned port;
    size_t bye_len;
    int bye_code, tries;
    double retx;
} others[4];
static int n_others;

static void other_2xx(osip_message_t *m)
{
    const char *tag = to_tag_of(m);
    struct other_dialog *d = NULL;
    for (int i = 0; i < n_others; i++)
        if (!strcmp(others[i].tag, tag))
            d = &others[i];
    if (!d && n_others == (int)(sizeof(others) / sizeof(others[0])))
        return;
    int fresh = !d;
    if (!d) {
        d = &others[n_others++];
        memset(d, 0, sizeof(*d));
        snprintf(d->tag, sizeof(d->tag), "%s", tag);
    }
    char target[256] = "", routes[1024] = "", *s = NULL, to[400] = "", ack[4096], br[32];
    osip_contact_t *ct = NULL;
    if (osip_message_get_contact(m, 0, &ct) != 0 || !ct || !ct->url ||
        osip_uri_to_str(ct->url, &s) != 0)
        return;
    snprintf(target, sizeof(target), "%s", s);
    osip_free(s);
    ua_sip_uri_hostport(ct->url, d->host, sizeof(d->host), &d->port);
    int nrr = osip_list_size(&m->record_routes);
    for (int i = nrr - 1; i >= 0; i--) {
        osip_record_route_t *rr = NULL;
        char *rr_s = NULL;
        osip_message_get_record_route(m, i, &rr);
        if (!rr || osip_record_route_to_str(rr, &rr_s) != 0)
            continue;
        size_t l = strlen(routes);
        snprintf(routes + l, sizeof(routes) - l, "Route: %s\r\n", rr_s);
        osip_free(rr_s);
        if (i == nrr - 1)
            ua_sip_uri_hostport(rr->url, d->host, sizeof(d->host), &d->port);
    }
    s = NULL;
    osip_to_to_str(m->to, &s);
    snprintf(to, sizeof(to), "%s", s ? s : "");
    osip_free(s);
    ua_sip_token(br, sizeof(br));
    int n = snprintf(ack, sizeof(ack),
                     "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                     "Call-ID: %s@%s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
                     target, ua_sp.host, ua_sp.port, br, routes, ua_sp.host, ua_sp.port, from_tag,
                     to, call_id, ua_sp.host);
    if (n > 0 && (size_t)n < sizeof(ack))
        ua_sip_send(&ua_sp, d->host, d->port, ack, (size_t)n);
    if (!fresh)
        return;
    ua_sip_token(br, sizeof(br));
    n = snprintf(d->bye, sizeof(d->bye),
                 "BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                 "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                 "Call-ID: %s@%s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
                 target, ua_sp.host, ua_sp.port, br, routes, ua_sp.host, ua_sp.port, from_tag, to,
                 call_id, ua_sp.host);
    if (n <= 0 || (size_t)n >= sizeof(d->bye))
        return;
    d->bye_len = (size_t)n;
    ua_sip_send(&ua_sp, d->host, d->port, d->bye, d->bye_len);
    d->retx = ua_now() + 0.5;
    ua_say("second 2xx from another branch (to-tag %d): ACK and BYE", n_others + 1);
}

/* BYEs of the other dialogs: retransmitted until answered (Timer E). */
static void others_tick(void)
{
    double t = ua_now();
    for (int i = 0; i < n_others; i++) {
        struct other_dialog *d = &others[i];
        if (d->bye_len && !d->bye_code && t >= d->retx && d->tries < 6) {
            ua_sip_send(&ua_sp, d->host, d->port, d->bye, d->bye_len);
            d->retx = t + 0.5 * (2 << d->tries++);
        }
    }
}

static void uac_tick(void)
{
    others_tick();
    if (ack_due && ua_now() >= ack_due) {
        ua_sip_send(&ua_sp, next_host, next_port, ack_text, strlen(ack_text));
        ack_due = 0;
    }
    ua_dlg_tick(); /* re-offers in the dialog (ua_dialog.c) */
}

/* Responses to our INVITE (a lost ACK makes the callee resend its 2xx;
 * another branch of a fork may answer too) and everything in the dialog:
 * our re-offers' responses, the callee's re-offers (ua_dialog.c). */
static int uac_on_sip(osip_message_t *m)
{
    if (MSG_IS_REQUEST(m)) {
        ua_dlg_request(m);
        return 0;
    }
    if (m->cseq && m->cseq->method && !strcmp(m->cseq->method, "BYE")) {
        const char *tag = to_tag_of(m);
        for (int i = 0; i < n_others; i++)
            if (!strcmp(others[i].tag, tag) && m->status_code >= 200 && !others[i].bye_code) {
                others[i].bye_code = m->status_code;
                ua_say("other branch's dialog: bye=%d", m->status_code);
            }
        return 0;
    }
    if (MSG_IS_STATUS_2XX(m) && m->cseq && m->cseq->method && !strcmp(m->cseq->method, "INVITE") &&
        m->cseq->number && strtoul(m->cseq->number, NULL, 10) == 1 &&
        strcmp(to_tag_of(m), final_tag) != 0) {
        other_2xx(m);
        return 0;
    }
    if (!m->cseq || !m->cseq->method || !m->cseq->number)
        return 0;
    unsigned num = (unsigned)strtoul(m->cseq->number, NULL, 10);
    if (num == 1 && MSG_IS_STATUS_2XX(m) && !strcmp(m->cseq->method, "INVITE")) {
        /* A retransmitted 2xx: our ACK got lost, send it again (RFC 3261
         * §13.2.2.4). Its body must be the first copy's, byte for byte. */
        int is_sdp;
        const char *b = ua_sip_body(m, &is_sdp);
        final_repeats++;
        if (b && !strcmp(b, ua_sdp_recv))
            final_repeats_same++;
        ua_sip_send(&ua_sp, next_host, next_port, ack_text, strlen(ack_text));
        ack_due = 0;
        return 0;
    }
    ua_dlg_response(m);
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

/* Provisional responses with SDP (early media), by To tag: a forking
 * proxy gives one per branch (RFC 3261 §16.7). */
static char early_tags[8][64];
static int n_early_tags;
static void note_early(osip_message_t *m)
{
    int is_sdp;
    osip_generic_param_t *tag = NULL;
    const char *body = ua_sip_body(m, &is_sdp);
    if (!body || !is_sdp || !m->to)
        return;
    early_answers++;
    compare_answer_key(body);
    osip_to_get_tag(m->to, &tag);
    if (!tag || !tag->gvalue)
        return;
    for (int i = 0; i < n_early_tags; i++)
        if (!strcmp(early_tags[i], tag->gvalue))
            return;
    if (n_early_tags < 8) {
        snprintf(early_tags[n_early_tags++], sizeof(early_tags[0]), "%s", tag->gvalue);
        ua_say("early media (%d %s) from to-tag %d", m->status_code,
               m->reason_phrase ? m->reason_phrase : "", n_early_tags);
    }
}

int ua_uac_run(void)
{
    ua_crypto offer_keys[UA_MAX_CRYPTO];
    char branch[32], text[8192], body[4096], why[200];
    osip_uri_t *ruri = NULL;
    char rhost[64];
    unsigned rport;
    const char *ctype = "application/sdp";

    if (osip_uri_init(&ruri) != 0 || osip_uri_parse(ruri, ua_o.to) != 0 ||
        ua_sip_uri_hostport(ruri, rhost, sizeof(rhost), &rport) < 0)
        return ua_finish(0, "bad --to URI %s", ua_o.to);
    osip_uri_free(ruri);
    if (ua_o.proxy_port) {
        snprintf(next_host, sizeof(next_host), "%s", ua_o.proxy_host);
        next_port = ua_o.proxy_port;
    } else {
        snprintf(next_host, sizeof(next_host), "%s", rhost);
        next_port = rport;
    }
    for (size_t i = 0; i < ua_o.n_suites; i++)
        ua_new_key(&offer_keys[i], (unsigned)i + 1, ua_o.suites[i]);
    if (ua_o.offer_file) {
        if (load_file(ua_o.offer_file, body, sizeof(body)) < 0)
            return ua_finish(0, "cannot read %s: %s", ua_o.offer_file, strerror(errno));
        if (ua_o.content_type)
            ctype = ua_o.content_type;
    } else if (ua_o.late_offer) {
        body[0] = '\0'; /* the callee offers in its 200 (RFC 3261 §13.2.1) */
    } else if (ua_build_sdp(body, sizeof(body), offer_keys, ua_o.n_suites) < 0) {
        return ua_finish(0, "offer does not fit");
    }
    snprintf(ua_sdp_sent, sizeof(ua_sdp_sent), "%s", body);
    ua_say("role=%s side=uac to=%s via=%s:%u", ua_o.phone ? "phone" : "pbx", ua_o.to, next_host,
           next_port);
    ua_say_sdp("sdp-sent", body);

    ua_sip_token(call_id, sizeof(call_id));
    ua_sip_token(from_tag, sizeof(from_tag));
    ua_sip_token(branch, sizeof(branch));
    int n = snprintf(text, sizeof(text),
                     "INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: <%s>\r\n"
                     "Call-ID: %s@%s\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@%s:%u>\r\n%s"
                     "%s%s%sContent-Length: %zu\r\n\r\n%s",
                     ua_o.to, ua_sp.host, ua_sp.port, branch, ua_sp.host, ua_sp.port, from_tag,
                     ua_o.to, call_id, ua_sp.host, ua_sp.host, ua_sp.port, ua_o.extra_hdrs,
                     ua_o.late_offer ? "" : "Content-Type: ", ua_o.late_offer ? "" : ctype,
                     ua_o.late_offer ? "" : "\r\n", strlen(body), body);
    if (n < 0 || (size_t)n >= sizeof(text))
        return ua_finish(0, "INVITE does not fit");
    const char *invite_ruri = ua_o.to;

    double deadline = ua_now() + ua_o.timeout, retx = ua_now() + 0.5;
    int got_prov = 0, tries = 0;
    ua_sip_send(&ua_sp, next_host, next_port, text, (size_t)n);
    osip_message_t *final = NULL;
    double cancel_at = ua_o.cancel_after ? ua_now() + ua_o.cancel_after : 0;
    int cancelled = 0, cancel_code = 0;
    char cancel_text[2048] = "";
    while (!final) {
        if (ua_now() > deadline)
            return ua_finish(0, "no final response to INVITE within %.0fs", ua_o.timeout);
        /* CANCEL (RFC 3261 §9.1): same Request-URI, Via branch, Call-ID,
         * From, To and CSeq number; only once a provisional response came. */
        if (cancel_at && !cancelled && got_prov && ua_now() >= cancel_at) {
            int cn =
                snprintf(cancel_text, sizeof(cancel_text),
                         "CANCEL %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
                         "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: <%s>\r\n"
                         "Call-ID: %s@%s\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
                         invite_ruri, ua_sp.host, ua_sp.port, branch, ua_sp.host, ua_sp.port,
                         from_tag, ua_o.to, call_id, ua_sp.host);
            if (cn > 0 && (size_t)cn < sizeof(cancel_text))
                ua_sip_send(&ua_sp, next_host, next_port, cancel_text, (size_t)cn);
            cancelled = 1;
            ua_say("cancel sent");
        }
        if (!got_prov && ua_now() > retx && tries < 6) { /* Timer A, RFC 3261 §17.1.1.2 */
            ua_sip_send(&ua_sp, next_host, next_port, text, (size_t)n);
            retx = ua_now() + 0.5 * (2 << tries++);
        }
        osip_message_t *m = NULL;
        if (ua_sip_recv(&ua_sp, 50, &m, &ua_garbage) <= 0)
            continue;
        if (MSG_IS_RESPONSE(m) && m->cseq->method && !strcmp(m->cseq->method, "CANCEL")) {
            cancel_code = m->status_code;
            osip_message_free(m);
            continue;
        }
        if (MSG_IS_RESPONSE(m) && m->cseq->method && !strcmp(m->cseq->method, "INVITE")) {
            if (m->status_code < 200) {
                got_prov = 1;
                note_early(m);
                osip_message_free(m);
                continue;
            }
            final = m;
            break;
        }
        osip_message_free(m);
    }
    int code = final->status_code;
    ua_say("final=%d %s", code, final->reason_phrase ? final->reason_phrase : "");
    snprintf(final_tag, sizeof(final_tag), "%s", to_tag_of(final));
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
                     invite_ruri, ua_sp.host, ua_sp.port, branch, ua_sp.host, ua_sp.port, from_tag,
                     to_tag_hdr, call_id, ua_sp.host);
        ua_sip_send(&ua_sp, next_host, next_port, ack_text, (size_t)n);
        osip_message_free(final);
        if (cancelled) {
            /* A proxy sends the CANCEL on before it answers it (Kamailio's
             * tm), so the 487 may overtake the CANCEL's 200: no order is
             * promised between two transactions. Wait a little for it. */
            for (double until = ua_now() + 2; !cancel_code && ua_now() < until;) {
                osip_message_t *c = NULL;
                if (ua_sip_recv(&ua_sp, 50, &c, &ua_garbage) <= 0)
                    continue;
                if (MSG_IS_RESPONSE(c) && c->cseq->method && !strcmp(c->cseq->method, "CANCEL"))
                    cancel_code = c->status_code;
                osip_message_free(c);
            }
            ua_say("cancel=%d", cancel_code);
            if (code == 487 && cancel_code == 200)
                return ua_finish(1, "cancelled: CANCEL 200, INVITE 487");
            return ua_finish(0, "cancelled, but CANCEL got %d and INVITE %d", cancel_code, code);
        }
        if (ua_o.expect_code && code == ua_o.expect_code)
            return ua_finish(1, "got the expected %d", code);
        return ua_finish(0, "call failed with %d", code);
    }
    if (ua_o.expect_code)
        ua_say("expected %d but the call was answered", ua_o.expect_code);

    /* Dialog: remote target from Contact, route set = Record-Route reversed (§12.1.2). */
    osip_contact_t *ct = NULL;
    char *ct_s = NULL;
    if (osip_message_get_contact(final, 0, &ct) != 0 || !ct || !ct->url ||
        osip_uri_to_str(ct->url, &ct_s) != 0) {
        osip_message_free(final);
        return ua_finish(0, "2xx without Contact");
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
    snprintf(ua_sdp_recv, sizeof(ua_sdp_recv), "%s", ans ? ans : "");
    int media_ready = 0;
    char ack_body[4096] = "";
    if (ua_sdp_recv[0])
        ua_say_sdp(ua_o.late_offer ? "sdp-received (offer in 200)" : "sdp-received", ua_sdp_recv);
    if (ua_o.late_offer) {
        /* The 200 carries the offer; our answer goes in the ACK. */
        const char *reason;
        int oc = ans ? ua_take_offer(ans, is_sdp, &reason, why, sizeof(why)) : 0;
        if (!ans)
            snprintf(why, sizeof(why), "late offer: the 200 has no SDP");
        else if (oc != 200)
            snprintf(why + strlen(why), sizeof(why) - strlen(why), " (late offer)");
        else if (ua_build_sdp(ack_body, sizeof(ack_body), &ua_tx_key, 1) < 0)
            snprintf(why, sizeof(why), "answer does not fit");
        else
            media_ready = 1;
        if (media_ready) {
            snprintf(ua_sdp_sent, sizeof(ua_sdp_sent), "%s", ack_body);
            ua_say_sdp("sdp-sent (ACK)", ack_body);
        }
    } else {
        media_ready = ua_take_answer(ans, is_sdp, offer_keys, ua_o.n_suites, why, sizeof(why));
        if (early_answers) {
            compare_answer_key(ans);
            ua_say("early-answers=%d answer-keys=%s", early_answers,
                   early_keys_differ ? "differ" : "same");
        }
    }
    osip_message_free(final);

    ua_sip_token(branch, sizeof(branch));
    n = snprintf(ack_text, sizeof(ack_text),
                 "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                 "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                 "Call-ID: %s@%s\r\nCSeq: 1 ACK\r\n%sContent-Length: %zu\r\n\r\n%s",
                 remote_target, ua_sp.host, ua_sp.port, branch, route_hdrs, ua_sp.host, ua_sp.port,
                 from_tag, to_tag_hdr, call_id, ua_sp.host,
                 ack_body[0] ? "Content-Type: application/sdp\r\n" : "", strlen(ack_body),
                 ack_body);
    if (n < 0 || (size_t)n >= sizeof(ack_text))
        return ua_finish(0, "ACK does not fit");
    if (ua_o.ack_delay > 0)
        ack_due = ua_now() + ua_o.ack_delay; /* the callee retransmits its 2xx */
    else
        ua_sip_send(&ua_sp, next_host, next_port, ack_text, (size_t)n);

    /* The dialog for in-dialog requests either way (RFC 3261 §12.1.2). */
    snprintf(ua_dlg.target, sizeof(ua_dlg.target), "%s", remote_target);
    snprintf(ua_dlg.routes, sizeof(ua_dlg.routes), "%s", route_hdrs);
    snprintf(ua_dlg.next_host, sizeof(ua_dlg.next_host), "%s", next_host);
    ua_dlg.next_port = next_port;
    snprintf(ua_dlg.local, sizeof(ua_dlg.local), "<sip:alice@%s:%u>;tag=%s", ua_sp.host, ua_sp.port,
             from_tag);
    snprintf(ua_dlg.remote, sizeof(ua_dlg.remote), "%s", to_tag_hdr);
    snprintf(ua_dlg.call_id, sizeof(ua_dlg.call_id), "%s@%s", call_id, ua_sp.host);
    snprintf(ua_dlg.contact, sizeof(ua_dlg.contact), "<sip:alice@%s:%u>", ua_sp.host, ua_sp.port);
    ua_dlg.cseq = 1;
    ua_dlg_start();
    double t0 = ua_now();
    ua_media_tick = uac_tick;
    if (media_ready)
        ua_media_loop(ua_o.seconds, t0 + ua_o.seconds + 1.0, uac_on_sip);
    ua_media_tick = NULL;

    /* BYE (§15.1.1), retransmitted until a final response. */
    ua_sip_token(branch, sizeof(branch));
    n = snprintf(text, sizeof(text),
                 "BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                 "Max-Forwards: 70\r\nFrom: <sip:alice@%s:%u>;tag=%s\r\nTo: %s\r\n"
                 "Call-ID: %s@%s\r\nCSeq: %u BYE\r\nContent-Length: 0\r\n\r\n",
                 remote_target, ua_sp.host, ua_sp.port, branch, route_hdrs, ua_sp.host, ua_sp.port,
                 from_tag, to_tag_hdr, call_id, ua_sp.host, ua_dlg.cseq + 1);
    int bye_code = 0;
    for (int i = 0; i < 8 && !bye_code; i++) {
        ua_sip_send(&ua_sp, next_host, next_port, text, (size_t)n);
        double until = ua_now() + 0.5;
        while (ua_now() < until && !bye_code) {
            osip_message_t *m = NULL;
            if (ua_sip_recv(&ua_sp, 50, &m, &ua_garbage) > 0) {
                if (MSG_IS_RESPONSE(m) && m->cseq->method && !strcmp(m->cseq->method, "BYE") &&
                    m->status_code >= 200)
                    bye_code = m->status_code;
                else
                    uac_on_sip(m);
                osip_message_free(m);
            }
            ua_media_drain(&ua_m);
        }
    }
    ua_say("bye=%d", bye_code);
    if (final_repeats)
        ua_say("2xx-retransmissions=%u identical=%u", final_repeats, final_repeats_same);
    for (int i = 0; i < n_others; i++)
        if (!others[i].bye_code)
            ua_say("other branch's dialog: BYE not answered");
    if (!media_ready)
        return ua_finish(0, "%s", why);
    int ok = ua_media_ok(why, sizeof(why));
    if (bye_code != 200)
        return ua_finish(0, "BYE got %d", bye_code);
    if (ua_dlg_verdict(why, sizeof(why)) < 0)
        return ua_finish(0, "%s", why);
    return ua_finish(ok, "%s", why);
}
