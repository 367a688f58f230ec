/*
 * tests/e2e/ua_uas.c — the callee side of e2e-ua (RFC 3261 UAS): the offer
 * checked for the role (the legacy PBX refuses RTP/SAVP, the phone needs an
 * acceptable a=crypto: 488 otherwise), 200 with the answer retransmitted
 * until ACK, media, re-INVITEs (taking a rekey), 200 to BYE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ua_agent.h"

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
    const ua_crypto *k = &ua_tx_key;

    reinv_cseq = num;
    if (!offer || !is_sdp || ua_sdp_parse(offer, &peer, why, sizeof(why)) < 0) {
        respond(m, 488, "Not Acceptable Here", NULL, 0);
        return;
    }
    ua_say_sdp("sdp-received (re-INVITE)", offer);
    if (ua_o.phone) {
        const ua_crypto *pn = NULL;
        for (size_t i = 0; i < peer.n_crypto && !pn; i++)
            if (peer.crypto[i].tag == ua_rx_key.tag && !strcmp(peer.crypto[i].suite, ua_rx_key.suite))
                pn = &peer.crypto[i];
        if (!pn) {
            respond(m, 488, "Not Acceptable Here", NULL, 0);
            return;
        }
        if (pn->keysalt_len != ua_rx_key.keysalt_len ||
            memcmp(pn->keysalt, ua_rx_key.keysalt, pn->keysalt_len) != 0) {
            if (!pn->mki_len || !ua_rx_key.mki_len || ua_install_rekey(pn, NULL, 0, why, sizeof(why)) < 0) {
                respond(m, 488, "Not Acceptable Here", NULL, 0);
                return;
            }
            ua_next_key(&uas_new_key, &ua_tx_key);
            k = &uas_new_key;
            switch_on_ack = num;
        }
    }
    /* Hold (RFC 3264 §8.4): a sendonly offer gets recvonly and we stop
     * sending; inactive gets inactive; sendrecv resumes. */
    const char *dir = "sendrecv";
    if (!strcmp(peer.dir, "sendonly"))
        dir = "recvonly";
    else if (!strcmp(peer.dir, "inactive"))
        dir = "inactive";
    ua_m.paused = strcmp(dir, "sendrecv") != 0 && strcmp(peer.dir, "recvonly") != 0;
    if (ua_m.paused)
        ua_say("on hold (peer %s)", peer.dir);
    if (ua_build_sdp_dir(body, sizeof(body), k, 1, dir) < 0)
        return;
    ua_say_sdp("sdp-sent (re-INVITE)", body);
    char contact[128];
    snprintf(contact, sizeof(contact), "<sip:bob@%s:%u>", ua_sp.host, ua_sp.port);
    int n = ua_sip_response(reinv_resp, sizeof(reinv_resp), m, 200, "OK", my_tag, contact,
                            "application/sdp", body);
    if (n < 0)
        return;
    reinv_resp_len = n;
    ua_reinvite_code = 200;
    via_target(m);
    ua_sip_send(&ua_sp, resp_host, resp_port, reinv_resp, (size_t)n);
    if (MSG_IS_UPDATE(m) && switch_on_ack == num) { /* no ACK will come */
        switch_on_ack = 0;
        if (ua_install_rekey(NULL, &uas_new_key, 1, why, sizeof(why)) < 0)
            ua_say("rekey failed: %s", why);
    }
}

static int uas_on_sip(osip_message_t *m)
{
    unsigned num = m->cseq && m->cseq->number ? (unsigned)strtoul(m->cseq->number, NULL, 10) : 0;
    if (MSG_IS_UPDATE(m) && num == reinv_cseq && reinv_resp_len)
        ua_sip_send(&ua_sp, resp_host, resp_port, reinv_resp, (size_t)reinv_resp_len);
    else if (MSG_IS_UPDATE(m)) /* RFC 3311: an offer in the dialog, no ACK */
        uas_reinvite(m, num);
    else if (MSG_IS_INVITE(m) && num > 1 && num == reinv_cseq && reinv_resp_len)
        ua_sip_send(&ua_sp, resp_host, resp_port, reinv_resp, (size_t)reinv_resp_len);
    else if (MSG_IS_INVITE(m) && num > 1 && num != reinv_cseq)
        uas_reinvite(m, num);
    else if (MSG_IS_INVITE(m) && last_resp_len) /* retransmitted INVITE */
        ua_sip_send(&ua_sp, resp_host, resp_port, last_resp, (size_t)last_resp_len);
    else if (MSG_IS_ACK(m) && num > 1 && switch_on_ack == num) {
        char why[200];
        switch_on_ack = 0;
        if (ua_install_rekey(NULL, &uas_new_key, 1, why, sizeof(why)) < 0)
            ua_say("rekey failed: %s", why);
    } else if (MSG_IS_ACK(m)) {
        if (!got_ack) { /* a late offer's answer rides in this ACK */
            const char *b = ua_sip_body(m, &ack_is_sdp);
            snprintf(ack_body, sizeof(ack_body), "%s", b ? b : "");
        }
        got_ack = 1;
    }
    else if (MSG_IS_BYE(m)) {
        respond(m, 200, "OK", NULL, 0);
        got_bye = 1;
        return 1;
    } else if (MSG_IS_REQUEST(m))
        respond(m, 501, "Not Implemented", NULL, 0);
    return 0;
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
        double until = ua_now() + 4.0, next = ua_now() + 0.5;
        while (!got_ack && ua_now() < until) {
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
        double until = ua_now() + 4.0, next = ua_now() + 0.5;
        while (!got_ack && ua_now() < until) {
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
        return ua_finish(got_ack, "failed the call with %d as asked%s", ua_o.fail_code,
                         got_ack ? "" : ", but no ACK came");
    }
    snprintf(ua_sdp_sent, sizeof(ua_sdp_sent), "%s", answer);
    ua_say_sdp("sdp-sent", answer);
    respond(inv, 200, "OK", answer, 1);
    osip_message_free(inv);
    ua_say("final=200 OK");

    /* 2xx retransmission until ACK (§13.3.1.4). */
    double next = ua_now() + 0.5, until = ua_now() + 8.0;
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
    int stop = got_bye ? 1
                       : ua_media_loop(ua_o.seconds, ua_now() + ua_o.seconds + ua_o.timeout,
                                       uas_on_sip);
    if (stop == 1) { /* BYE: a last look at what is in flight */
        double end = ua_now() + 0.2;
        while (ua_now() < end)
            ua_media_drain(&ua_m);
    }
    if (!got_bye)
        return ua_finish(0, "no BYE");
    int ok = ua_media_ok(why, sizeof(why));
    return ua_finish(ok, "%s", why);
}
