/*
 * tests/e2e/ua_uas.c — the callee side of e2e-ua (RFC 3261 UAS): the offer
 * checked for the role (the legacy PBX refuses RTP/SAVP, the phone needs an
 * acceptable a=crypto: 488 otherwise), 200 with the answer retransmitted
 * until ACK, media, re-offers in the dialog either way (ua_dialog.c), 200
 * to BYE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ua_agent.h"
#include "ua_dialog.h"

static char last_resp[8192];
static int last_resp_len;
static char resp_host[64];
static unsigned resp_port;
static int got_ack, got_bye;
static char my_tag[32];

/* Responses go back to the top Via's sent-by (ua_sip_via_target). */
static void via_target(osip_message_t *req)
{
    ua_sip_via_target(req, resp_host, sizeof(resp_host), &resp_port);
}

static void respond(osip_message_t *req, int code, const char *reason, const char *body,
                    int remember)
{
    char contact[128], buf[8192];
    snprintf(contact, sizeof(contact), "<sip:bob@%s:%u>", ua_sp.host, ua_sp.port);
    int n = ua_sip_response(buf, sizeof(buf), req, code, reason, my_tag,
                            code >= 200 && code < 300 ? contact : NULL,
                            body ? "application/sdp" : NULL, body);
    if (n < 0)
        return;
    via_target(req);
    ua_sip_send(&ua_sp, resp_host, resp_port, buf, (size_t)n);
    if (remember) {
        memcpy(last_resp, buf, (size_t)n);
        last_resp_len = n;
    }
}

static char ack_body[4096];
static int ack_is_sdp;
static int uas_on_sip(osip_message_t *m)
{
    unsigned num = m->cseq && m->cseq->number ? (unsigned)strtoul(m->cseq->number, NULL, 10) : 0;
    if (MSG_IS_RESPONSE(m)) { /* to our own re-offers */
        ua_dlg_response(m);
        return 0;
    }
    if (MSG_IS_INVITE(m) && num <= 1) { /* retransmitted INVITE */
        if (last_resp_len)
            ua_sip_send(&ua_sp, resp_host, resp_port, last_resp, (size_t)last_resp_len);
    } else if (ua_dlg_request(m)) {
        /* a re-INVITE/UPDATE from the caller, or its ACK (ua_dialog.c) */
    } else if (MSG_IS_ACK(m)) {
        if (!got_ack) { /* a late offer's answer rides in this ACK */
            const char *b = ua_sip_body(m, &ack_is_sdp);
            snprintf(ack_body, sizeof(ack_body), "%s", b ? b : "");
        }
        got_ack = 1;
    } else if (MSG_IS_BYE(m)) {
        respond(m, 200, "OK", NULL, 0);
        got_bye = 1;
        return 1;
    } else if (MSG_IS_REQUEST(m))
        respond(m, 501, "Not Implemented", NULL, 0);
    return 0;
}

/* Our last final response goes out again every 0.5 s until its ACK (or a
 * BYE) comes or secs pass (RFC 3261 §13.3.1.4 for a 2xx, Timer G §17.2.1
 * for a failure); everything arriving meanwhile is handled. */
static void await_ack(double secs)
{
    double next = ua_now() + 0.5, until = ua_now() + secs;
    while (!got_ack && !got_bye && ua_now() < until) {
        osip_message_t *m = NULL;
        if (ua_sip_recv(&ua_sp, 50, &m, &ua_garbage) > 0) {
            uas_on_sip(m);
            osip_message_free(m);
        }
        if (!got_ack && ua_now() > next) {
            ua_sip_send(&ua_sp, resp_host, resp_port, last_resp, (size_t)last_resp_len);
            next = ua_now() + 0.5;
        }
    }
}

/* The dialog as the callee sees it (RFC 3261 §12.1.1): the caller's
 * Contact is the remote target, the Record-Route list in order is the
 * route set; our requests go From our To (with our tag) To its From. */
static void uas_dialog(osip_message_t *inv)
{
    char *s = NULL;
    osip_contact_t *ct = NULL;
    osip_message_get_contact(inv, 0, &ct);
    if (ct && ct->url && osip_uri_to_str(ct->url, &s) == 0) {
        snprintf(ua_dlg.target, sizeof(ua_dlg.target), "%s", s);
        osip_free(s);
        ua_sip_uri_hostport(ct->url, ua_dlg.next_host, sizeof(ua_dlg.next_host), &ua_dlg.next_port);
    }
    ua_dlg.routes[0] = '\0';
    int nrr = osip_list_size(&inv->record_routes);
    for (int i = 0; i < nrr; i++) {
        osip_record_route_t *rr = NULL;
        char *rr_s = NULL;
        osip_message_get_record_route(inv, i, &rr);
        if (!rr || osip_record_route_to_str(rr, &rr_s) != 0)
            continue;
        size_t l = strlen(ua_dlg.routes);
        snprintf(ua_dlg.routes + l, sizeof(ua_dlg.routes) - l, "Route: %s\r\n", rr_s);
        osip_free(rr_s);
        if (i == 0)
            ua_sip_uri_hostport(rr->url, ua_dlg.next_host, sizeof(ua_dlg.next_host),
                                &ua_dlg.next_port);
    }
    if (osip_to_to_str(inv->to, &s) == 0) {
        snprintf(ua_dlg.local, sizeof(ua_dlg.local), "%s;tag=%s", s, my_tag);
        osip_free(s);
    }
    if (osip_from_to_str(inv->from, &s) == 0) {
        snprintf(ua_dlg.remote, sizeof(ua_dlg.remote), "%s", s);
        osip_free(s);
    }
    if (osip_call_id_to_str(inv->call_id, &s) == 0) {
        snprintf(ua_dlg.call_id, sizeof(ua_dlg.call_id), "%s", s);
        osip_free(s);
    }
    snprintf(ua_dlg.contact, sizeof(ua_dlg.contact), "<sip:bob@%s:%u>", ua_sp.host, ua_sp.port);
    ua_dlg.cseq = 100; /* our own CSeq space (RFC 3261 §12.2.1.1) */
}

/* 180 Ringing (183 with the answer when early is given) for ua_o.ring
 * seconds (RFC 3261 §21.1.2). A CANCEL for the
 * INVITE gets 200, the INVITE 487, and the ACK is awaited (§9.2). Returns
 * 1 when cancelled, 0 when the ringing ended normally. */
static int ring_or_cancel(osip_message_t *inv, const char *early)
{
    /* With early media the ringing is a 183 carrying the answer (RFC 3960). */
    int pcode = early ? 183 : 180;
    const char *preason = early ? "Session Progress" : "Ringing";
    /* --ring-delay: the provisional comes late, so a forking proxy's
     * caller sees this branch's 183 after the other's. */
    for (double t = ua_now() + ua_o.ring_delay; ua_o.ring_delay > 0 && ua_now() < t;) {
        osip_message_t *m = NULL;
        if (ua_sip_recv(&ua_sp, 20, &m, &ua_garbage) > 0)
            osip_message_free(m); /* INVITE retransmissions; a CANCEL comes again */
    }
    respond(inv, pcode, preason, early, 0);
    ua_say("ringing %.1fs", ua_o.ring);
    double until = ua_now() + ua_o.ring;
    while (ua_now() < until) {
        osip_message_t *m = NULL;
        if (ua_sip_recv(&ua_sp, 50, &m, &ua_garbage) <= 0)
            continue;
        if (MSG_IS_CANCEL(m) && ua_o.ignore_cancel) {
            /* As if our 2xx had crossed the CANCEL (RFC 3261 §9.2: a
             * CANCEL after the final response has no effect). */
            respond(m, 200, "OK", NULL, 0);
            osip_message_free(m);
            ua_say("cancel ignored: answering anyway (2xx crossing the CANCEL)");
            continue;
        }
        if (MSG_IS_CANCEL(m)) {
            respond(m, 200, "OK", NULL, 0);
            osip_message_free(m);
            respond(inv, 487, "Request Terminated", NULL, 1);
            ua_say("final=487 Request Terminated (cancelled)");
            double t = ua_now() + 4.0, next = ua_now() + 0.5;
            while (!got_ack && ua_now() < t) {
                osip_message_t *a = NULL;
                if (ua_sip_recv(&ua_sp, 50, &a, &ua_garbage) > 0) {
                    if (MSG_IS_ACK(a))
                        got_ack = 1;
                    osip_message_free(a);
                }
                if (!got_ack && ua_now() > next) {
                    ua_sip_send(&ua_sp, resp_host, resp_port, last_resp, (size_t)last_resp_len);
                    next = ua_now() + 0.5;
                }
            }
            return 1;
        }
        if (MSG_IS_INVITE(m)) /* retransmission while ringing */
            respond(inv, pcode, preason, early, 0);
        osip_message_free(m);
    }
    return 0;
}

int ua_uas_run(void)
{
    char why[200], answer[4096];
    osip_message_t *inv = NULL;
    double deadline = ua_now() + ua_o.timeout;

    if (ua_o.port_file) {
        FILE *f = fopen(ua_o.port_file, "w");
        if (!f)
            return ua_finish(0, "cannot write %s", ua_o.port_file);
        fprintf(f, "%u\n", ua_sp.port);
        fclose(f);
    }
    ua_say("role=%s side=uas sip=%s:%u", ua_o.phone ? "phone" : "pbx", ua_sp.host, ua_sp.port);
    while (!inv) {
        if (ua_now() > deadline)
            return ua_finish(0, "no INVITE within %.0fs", ua_o.timeout);
        osip_message_t *m = NULL;
        if (ua_sip_recv(&ua_sp, 100, &m, &ua_garbage) <= 0)
            continue;
        if (MSG_IS_INVITE(m))
            inv = m;
        else
            osip_message_free(m);
    }
    ua_sip_token(my_tag, sizeof(my_tag));
    respond(inv, 100, "Trying", NULL, 0);
    uas_dialog(inv);

    int is_sdp;
    const char *offer = ua_sip_body(inv, &is_sdp);
    snprintf(ua_sdp_recv, sizeof(ua_sdp_recv), "%s", offer ? offer : "");
    if (offer)
        ua_say_sdp("sdp-received", offer);
    int code = 200;
    const char *reason = "OK";
    ua_crypto late_keys[UA_MAX_CRYPTO];
    int late = !offer;
    why[0] = '\0';
    if (late) {
        /* Late offer (RFC 3261 §13.2.1): we offer in the 200, the answer
         * comes in the ACK. */
        for (size_t i = 0; i < ua_o.n_suites; i++)
            ua_new_key(&late_keys[i], (unsigned)i + 1, ua_o.suites[i]);
        if (ua_build_sdp(answer, sizeof(answer), late_keys, ua_o.n_suites) < 0) {
            code = 500, reason = "Server Internal Error";
            snprintf(why, sizeof(why), "offer does not fit");
        }
    } else {
        code = ua_take_offer(offer, is_sdp, &reason, why, sizeof(why));
        if (code == 200 && ua_build_sdp(answer, sizeof(answer), &ua_tx_key, 1) < 0) {
            code = 500, reason = "Server Internal Error";
            snprintf(why, sizeof(why), "answer does not fit");
        }
    }
    if (code != 200) {
        ua_say("final=%d %s", code, reason);
        respond(inv, code, reason, NULL, 1);
        osip_message_free(inv);
        /* Wait for the ACK of the rejection, retransmitting (Timer G). */
        await_ack(4.0);
        /* Rejecting an offer the role cannot take is correct behaviour. */
        return ua_finish(code == 488 || code == 415 || code == 400, "rejected: %s", why);
    }
    if (ua_o.ring > 0 && ring_or_cancel(inv, ua_o.early_media ? answer : NULL))
        return ua_finish(1, "cancelled while ringing: CANCEL 200, INVITE 487");
    if (ua_o.fail_code) {
        /* --fail-code: the ringing ends in a failure (a forked branch that
         * gave early media, then 486), ACKed hop by hop (§17.1.1.3). */
        respond(inv, ua_o.fail_code, "Busy Here", NULL, 1);
        osip_message_free(inv);
        ua_say("final=%d (as asked)", ua_o.fail_code);
        await_ack(4.0);
        return ua_finish(got_ack, "failed the call with %d as asked%s", ua_o.fail_code,
                         got_ack ? "" : ", but no ACK came");
    }
    snprintf(ua_sdp_sent, sizeof(ua_sdp_sent), "%s", answer);
    ua_say_sdp("sdp-sent", answer);
    respond(inv, 200, "OK", answer, 1);
    osip_message_free(inv);
    ua_say("final=200 OK");

    /* 2xx retransmission until ACK (§13.3.1.4). */
    await_ack(8.0);
    if (!got_ack)
        return ua_finish(0, "no ACK for 200");
    if (late) {
        ua_say("late offer: answer in the ACK");
        if (ack_body[0])
            ua_say_sdp("sdp-received (ACK)", ack_body);
        snprintf(ua_sdp_recv, sizeof(ua_sdp_recv), "%s", ack_body);
        if (!ua_take_answer(ack_body[0] ? ack_body : NULL, ack_is_sdp, late_keys, ua_o.n_suites,
                            why, sizeof(why)))
            return ua_finish(0, "late offer: %s", why);
    }
    /* A BYE may already have come with the ACK (the caller keeps another
     * branch of a fork and ends this one at once). */
    ua_dlg_start();
    ua_media_tick = ua_dlg_tick;
    int stop =
        got_bye ? 1
                : ua_media_loop(ua_o.seconds, ua_now() + ua_o.seconds + ua_o.timeout, uas_on_sip);
    ua_media_tick = NULL;
    if (stop == 1) { /* BYE: a last look at what is in flight */
        double end = ua_now() + 0.2;
        while (ua_now() < end)
            ua_media_drain(&ua_m);
    }
    if (!got_bye)
        return ua_finish(0, "no BYE");
    int ok = ua_media_ok(why, sizeof(why));
    if (ua_dlg_verdict(why, sizeof(why)) < 0)
        return ua_finish(0, "%s", why);
    return ua_finish(ok, "%s", why);
}
