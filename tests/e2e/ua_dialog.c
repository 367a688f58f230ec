/*
 * tests/e2e/ua_dialog.c — re-offers in the dialog for either side of
 * e2e-ua (see ua_dialog.h). Sent: re-INVITE (RFC 3261 §14.1) with
 * retransmission, ACK for its final response, or UPDATE (RFC 3311, no
 * ACK); a rekey offers our next key (next MKI) and switches to it when the
 * answer arrives (RFC 4568 §7.1.4). Received: same keys -> same answer; a
 * new peer key is learnt at once (old kept: the peer may still send under
 * it), our answer carries our next key, used once the ACK arrives (at once
 * for an UPDATE); hold (RFC 3264 §8.4): sendonly gets recvonly and we stop
 * sending.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_agent.h"
#include "ua_dialog.h"

ua_dialog ua_dlg;

/* ---- sent: planned re-offers, in time order ---- */

enum { RI_PLAIN, RI_REKEY, RI_HOLD, RI_UNHOLD, RI_UPDATE, RI_LATE };
static struct {
    double at;
    int kind;
    int code; /* final response, 0 = none yet */
} plan[4];
static int n_plan, plan_i, out_state; /* of plan[plan_i]: 0 not sent, 1 sent, 2 answered */
static double media_t0, out_retx;
static int out_tries;
static char out_text[8192], out_branch[32], out_ack[4096];
static size_t out_len;
static ua_crypto out_key; /* the new key we offered (rekey) */
static int late_bad;      /* a late re-offer exchange that went wrong */
/* --answer-delay: the final response held back (out_state 3) until due;
 * --reack-delay: the ACK held back until due. */
static osip_message_t *held;
static double held_due, ack_due;
static int answer_offer(const char *offer, int is_sdp, char *body, size_t cap, int *own_next,
                        ua_crypto *own_key);

static void plan_add(double at, int kind)
{
    int i = n_plan++;
    while (i > 0 && plan[i - 1].at > at) {
        plan[i] = plan[i - 1];
        i--;
    }
    plan[i].at = at;
    plan[i].kind = kind;
    plan[i].code = 0;
}

void ua_dlg_start(void)
{
    if (ua_o.reinvite_at)
        plan_add(ua_o.reinvite_at, ua_o.rekey ? RI_REKEY : ua_o.late_reoffer ? RI_LATE : RI_PLAIN);
    if (ua_o.hold_at)
        plan_add(ua_o.hold_at, RI_HOLD);
    if (ua_o.unhold_at)
        plan_add(ua_o.unhold_at, RI_UNHOLD);
    if (ua_o.update_at)
        plan_add(ua_o.update_at, RI_UPDATE);
    media_t0 = ua_now();
}

static void send_reoffer(void)
{
    char body[4096];
    const ua_crypto *k = &ua_tx_key;
    int kind = plan[plan_i].kind;
    if (kind == RI_REKEY && ua_o.phone) {
        ua_next_key(&out_key, &ua_tx_key);
        k = &out_key;
    }
    if (kind == RI_LATE) /* RFC 3261 §14.1: the peer offers in its 2xx, we answer in the ACK */
        body[0] = '\0';
    else if (ua_build_sdp_dir(body, sizeof(body), k, 1, kind == RI_HOLD ? "sendonly" : "sendrecv") <
             0)
        return;
    ua_dlg.cseq++;
    ua_sip_token(out_branch, sizeof(out_branch));
    /* UPDATE (RFC 3311) carries the offer without a new INVITE transaction. */
    const char *method = kind == RI_UPDATE ? "UPDATE" : "INVITE";
    int n =
        snprintf(out_text, sizeof(out_text),
                 "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                 "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"
                 "Call-ID: %s\r\nCSeq: %u %s\r\nContact: %s\r\n%s"
                 "%sContent-Length: %zu\r\n\r\n%s",
                 method, ua_dlg.target, ua_sp.host, ua_sp.port, out_branch, ua_dlg.routes,
                 ua_dlg.local, ua_dlg.remote, ua_dlg.call_id, ua_dlg.cseq, method, ua_dlg.contact,
                 /* Tells an edge such as cfg/rekey-edge.cfg that this
                      * re-offer is a rekey, so it rekeys the other leg too. */
                 kind == RI_REKEY ? "X-Rekey: yes\r\n" : "",
                 body[0] ? "Content-Type: application/sdp\r\n" : "", strlen(body), body);
    if (n < 0 || (size_t)n >= sizeof(out_text))
        return;
    out_len = (size_t)n;
    if (body[0])
        ua_say_sdp(kind == RI_UPDATE ? "sdp-sent (UPDATE)" : "sdp-sent (re-INVITE)", body);
    else
        ua_say("re-INVITE without SDP sent");
    ua_sip_send(&ua_sp, ua_dlg.next_host, ua_dlg.next_port, out_text, out_len);
    out_state = 1;
    out_retx = ua_now() + 0.5;
}

static void answered(osip_message_t *m);

void ua_dlg_tick(void)
{
    if (out_state == 3 && ua_now() >= held_due) {
        osip_message_t *m = held;
        held = NULL;
        ua_say("re-INVITE final response taken now (--answer-delay)");
        answered(m);
        osip_message_free(m);
    }
    if (ack_due && ua_now() >= ack_due) {
        ack_due = 0;
        ua_say("ACK sent now (--reack-delay)");
        ua_sip_send(&ua_sp, ua_dlg.next_host, ua_dlg.next_port, out_ack, strlen(out_ack));
    }
    if (out_state == 2 && !ack_due && plan_i + 1 < n_plan) { /* next planned re-offer */
        plan_i++;
        out_state = 0;
        out_tries = 0;
        out_ack[0] = '\0';
    }
    if (plan_i >= n_plan || out_state == 2)
        return;
    double t = ua_now();
    if (out_state == 0 && t >= media_t0 + plan[plan_i].at)
        send_reoffer();
    else if (out_state == 1 && t >= out_retx && out_tries < 6) {
        ua_sip_send(&ua_sp, ua_dlg.next_host, ua_dlg.next_port, out_text, out_len);
        out_retx = t + 0.5 * (2 << out_tries++);
    }
}

/* The final response to our re-offer: ACK a re-INVITE's (a non-2xx on the
 * same branch, RFC 3261 §17.1.1.3; a 2xx end to end with a new one), and
 * for a rekey take the peer's new key (old kept for packets in flight)
 * and switch ours. */
static void answered(osip_message_t *m)
{
    char why[200], branch[32], ack_body[4096] = "";
    int n = 0, own_next = 0;
    int kind = plan[plan_i].kind;
    int is_sdp;
    ua_sdp peer;
    const char *ans = ua_sip_body(m, &is_sdp);
    ua_reinvite_code = m->status_code;
    plan[plan_i].code = m->status_code;
    if (kind == RI_LATE && m->status_code < 300) {
        /* The 2xx carries the peer's offer; our answer rides in the ACK. */
        if (ans)
            ua_say_sdp("sdp-received (offer in re-INVITE 200)", ans);
        if (!ans ||
            answer_offer(ans, is_sdp, ack_body, sizeof(ack_body), &own_next, &out_key) != 200) {
            ua_say("late re-offer: the 200's offer is unusable");
            late_bad = 1;
            ack_body[0] = '\0';
        } else {
            ua_say_sdp("sdp-sent (ACK)", ack_body);
        }
    }
    if (kind != RI_UPDATE) { /* no ACK for UPDATE */
        if (m->status_code >= 300)
            snprintf(branch, sizeof(branch), "%s", out_branch);
        else
            ua_sip_token(branch, sizeof(branch));
        n = snprintf(out_ack, sizeof(out_ack),
                     "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n%s"
                     "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"
                     "Call-ID: %s\r\nCSeq: %u ACK\r\n%sContent-Length: %zu\r\n\r\n%s",
                     ua_dlg.target, ua_sp.host, ua_sp.port, branch, ua_dlg.routes, ua_dlg.local,
                     ua_dlg.remote, ua_dlg.call_id, ua_dlg.cseq,
                     ack_body[0] ? "Content-Type: application/sdp\r\n" : "", strlen(ack_body),
                     ack_body);
    }
    if (n > 0 && (size_t)n < sizeof(out_ack) && ua_o.reack_delay > 0 && m->status_code < 300)
        ack_due = ua_now() + ua_o.reack_delay; /* keys below at once, the ACK later */
    else if (n > 0 && (size_t)n < sizeof(out_ack))
        ua_sip_send(&ua_sp, ua_dlg.next_host, ua_dlg.next_port, out_ack, (size_t)n);
    out_state = 2;
    ua_say("reinvite final=%d", m->status_code);
    if (own_next && ua_install_rekey(NULL, &out_key, 1, why, sizeof(why)) < 0)
        ua_say("rekey failed: %s", why);
    if (kind == RI_LATE)
        return;
    if (m->status_code < 300 && ans && (!ua_o.phone || kind != RI_REKEY))
        ua_say_sdp("sdp-received (re-offer answer)", ans);
    if (m->status_code >= 300 || !ua_o.phone || kind != RI_REKEY)
        return;
    if (!ans || !is_sdp || ua_sdp_parse(ans, &peer, why, sizeof(why)) < 0) {
        ua_say("re-INVITE answer unusable");
        return;
    }
    ua_say_sdp("sdp-received (re-INVITE)", ans);
    const ua_crypto *pn = NULL;
    for (size_t i = 0; i < peer.n_crypto && !pn; i++)
        if (peer.crypto[i].tag == ua_tx_key.tag && !strcmp(peer.crypto[i].suite, ua_tx_key.suite))
            pn = &peer.crypto[i];
    if (!pn) {
        ua_say("re-INVITE answer has no a=crypto for tag %u", ua_tx_key.tag);
        return;
    }
    int changed = pn->keysalt_len != ua_rx_key.keysalt_len ||
                  memcmp(pn->keysalt, ua_rx_key.keysalt, pn->keysalt_len) != 0;
    if (ua_install_rekey(changed ? pn : NULL, &out_key, 1, why, sizeof(why)) < 0)
        ua_say("rekey failed: %s", why);
}

int ua_dlg_response(osip_message_t *m)
{
    if (!n_plan || !MSG_IS_RESPONSE(m) || !m->cseq || !m->cseq->method || !m->cseq->number ||
        (strcmp(m->cseq->method, "INVITE") != 0 && strcmp(m->cseq->method, "UPDATE") != 0))
        return 0;
    unsigned num = (unsigned)strtoul(m->cseq->number, NULL, 10);
    if (num != ua_dlg.cseq || out_state == 0)
        return 0;
    if (m->status_code < 200)
        out_tries = 99; /* provisional: stop retransmitting */
    else if (out_state == 1 && ua_o.answer_delay > 0 && m->status_code < 300 &&
             osip_message_clone(m, &held) == 0) {
        /* As if the 2xx were still on its way to us. */
        out_state = 3;
        out_tries = 99;
        held_due = ua_now() + ua_o.answer_delay;
        ua_say("re-INVITE final=%d held back %.3f s (--answer-delay)", m->status_code,
               ua_o.answer_delay);
    } else if (out_state == 1)
        answered(m);
    else if (out_state == 3 || ack_due)
        ;                /* still "in flight": its ACK comes when due */
    else if (out_ack[0]) /* a retransmitted final response: ACK again */
        ua_sip_send(&ua_sp, ua_dlg.next_host, ua_dlg.next_port, out_ack, strlen(out_ack));
    return 1;
}

int ua_dlg_verdict(char *why, size_t cap)
{
    int bad = 0, last = 0;
    for (int i = 0; i < n_plan; i++) {
        int want = i == 0 && ua_o.expect_reoffer ? ua_o.expect_reoffer : 200;
        if (plan[i].code != want)
            bad++;
        if (plan[i].code)
            last = plan[i].code;
    }
    if (bad) {
        snprintf(why, cap, "re-offers: %d of %d did not get the expected final response (last %d)",
                 bad, n_plan, last);
        return -1;
    }
    if (late_bad) {
        snprintf(why, cap,
                 "a re-INVITE without SDP: the offer in the 200 or the answer in the"
                 " ACK was unusable");
        return -1;
    }
    for (int i = 0; i < n_plan; i++)
        if (plan[i].kind == RI_REKEY && ua_o.phone && !ua_rekeyed &&
            !(i == 0 && ua_o.expect_reoffer)) {
            snprintf(why, cap, "rekey requested but not done");
            return -1;
        }
    return 0;
}

/* ---- received: the peer's re-offers ---- */

static char in_resp[8192], resp_host[64];
static int in_resp_len, rejected_one;
static unsigned resp_port, in_cseq, switch_on_ack, late_ack;
static ua_crypto in_new_key;

/* Responses go back to the top Via's sent-by (ua_sip_via_target). */
static void via_target(osip_message_t *req)
{
    ua_sip_via_target(req, resp_host, sizeof(resp_host), &resp_port);
}

static void respond(osip_message_t *req, int code, const char *reason, const char *body)
{
    int n = ua_sip_response(in_resp, sizeof(in_resp), req, code, reason, NULL,
                            code >= 200 && code < 300 ? ua_dlg.contact : NULL,
                            body ? "application/sdp" : NULL, body);
    if (n < 0)
        return;
    in_resp_len = n;
    via_target(req);
    ua_sip_send(&ua_sp, resp_host, resp_port, in_resp, (size_t)n);
}

/* Our answer to the peer's offer (a re-offer, or the offer in the 2xx of
 * our re-INVITE without SDP): 200 with body, or 488. A phone finds the line
 * with our receive tag; a new peer key (with an MKI) is learnt now, and we
 * answer with our next key (*own_next set, *own_key filled), to be used
 * once the exchange completes (RFC 4568 §7.1.4). Hold: sendonly gets
 * recvonly and we stop sending (RFC 3264 §8.4). */
static int answer_offer(const char *offer, int is_sdp, char *body, size_t cap, int *own_next,
                        ua_crypto *own_key)
{
    char why[200];
    ua_sdp peer;
    const ua_crypto *k = &ua_tx_key;

    *own_next = 0;
    if (!offer || !is_sdp || ua_sdp_parse(offer, &peer, why, sizeof(why)) < 0)
        return 488;
    if (ua_o.phone) {
        const ua_crypto *pn = NULL;
        for (size_t i = 0; i < peer.n_crypto && !pn; i++)
            if (peer.crypto[i].tag == ua_rx_key.tag &&
                !strcmp(peer.crypto[i].suite, ua_rx_key.suite))
                pn = &peer.crypto[i];
        if (!pn) {
            ua_say("offer has no a=crypto for tag %u %s", ua_rx_key.tag, ua_rx_key.suite);
            return 488;
        }
        if (pn->keysalt_len != ua_rx_key.keysalt_len ||
            memcmp(pn->keysalt, ua_rx_key.keysalt, pn->keysalt_len) != 0) {
            if (ua_o.no_mki || !pn->mki_len || !ua_rx_key.mki_len) {
                /* No MKI on the old or the new key (or no MKI support):
                 * the new key replaces the old at once and our own key
                 * stays (a plain key change, RFC 4568 §7.1.4). */
                if (ua_install_rekey(pn, NULL, 0, why, sizeof(why)) < 0) {
                    ua_say("offer with a new key we cannot take: %s", why);
                    return 488;
                }
            } else if (ua_install_rekey(pn, NULL, 0, why, sizeof(why)) < 0) {
                ua_say("offer with a new key we cannot take");
                return 488;
            } else {
                ua_next_key(own_key, &ua_tx_key);
                k = own_key;
                *own_next = 1;
            }
        }
    } else if (strcmp(peer.proto, "RTP/AVP") != 0 || peer.n_crypto) {
        ua_say("a legacy PBX cannot take %s%s", peer.proto, peer.n_crypto ? " with a=crypto" : "");
        return 488;
    }
    const char *dir = "sendrecv";
    if (!strcmp(peer.dir, "sendonly"))
        dir = "recvonly";
    else if (!strcmp(peer.dir, "inactive"))
        dir = "inactive";
    ua_m.paused = strcmp(dir, "sendrecv") != 0 && strcmp(peer.dir, "recvonly") != 0;
    if (ua_m.paused)
        ua_say("on hold (peer %s)", peer.dir);
    if (ua_build_sdp_dir(body, cap, k, 1, dir) < 0)
        return 488;
    return 200;
}

/* The answer in the ACK of a re-INVITE without SDP (we offered our keys
 * as they are in the 2xx): a phone takes the line with our tag. */
static void take_late_answer(osip_message_t *ack)
{
    char why[200];
    int is_sdp;
    ua_sdp peer;
    const char *ans = ua_sip_body(ack, &is_sdp);
    if (!ans || !is_sdp || ua_sdp_parse(ans, &peer, why, sizeof(why)) < 0) {
        ua_say("late re-offer: the ACK has no usable answer");
        late_bad = 1;
        return;
    }
    ua_say_sdp("sdp-received (ACK)", ans);
    if (!ua_o.phone) {
        if (strcmp(peer.proto, "RTP/AVP") != 0 || peer.n_crypto) {
            ua_say("late re-offer: a legacy PBX got %s%s", peer.proto,
                   peer.n_crypto ? " with a=crypto" : "");
            late_bad = 1;
        }
        return;
    }
    const ua_crypto *pn = NULL;
    for (size_t i = 0; i < peer.n_crypto && !pn; i++)
        if (peer.crypto[i].tag == ua_tx_key.tag && !strcmp(peer.crypto[i].suite, ua_tx_key.suite))
            pn = &peer.crypto[i];
    if (!pn) {
        ua_say("late re-offer: the ACK's answer has no a=crypto for tag %u", ua_tx_key.tag);
        late_bad = 1;
        return;
    }
    if ((pn->keysalt_len != ua_rx_key.keysalt_len ||
         memcmp(pn->keysalt, ua_rx_key.keysalt, pn->keysalt_len) != 0) &&
        ((!pn->mki_len && !ua_o.no_mki) || ua_install_rekey(pn, NULL, 0, why, sizeof(why)) < 0)) {
        ua_say("late re-offer: a new key we cannot take");
        late_bad = 1;
    }
}

static void take_reoffer(osip_message_t *m, unsigned num)
{
    char why[200], body[4096];
    int is_sdp, own_next = 0;
    const char *offer = ua_sip_body(m, &is_sdp);

    in_cseq = num;
    {
        /* The top Via is the last hop's socket: a proxy with an inside and
         * an outside port must send each side's requests from its own. */
        osip_via_t *via = NULL;
        osip_message_get_via(m, 0, &via);
        ua_say("re-offer %s from %s:%s", MSG_IS_UPDATE(m) ? "UPDATE" : "INVITE",
               via && via->host ? via->host : "?", via && via->port ? via->port : "5060");
    }
    if (!offer && MSG_IS_INVITE(m)) {
        /* A re-INVITE without SDP: we offer our keys as they are in the
         * 200, the answer comes in the ACK (RFC 3261 §14.2). */
        if (ua_build_sdp_dir(body, sizeof(body), &ua_tx_key, 1, "sendrecv") < 0)
            return;
        ua_say_sdp("sdp-sent (offer in re-INVITE 200)", body);
        late_ack = num;
        ua_reinvite_code = 200;
        respond(m, 200, "OK", body);
        return;
    }
    if (offer)
        ua_say_sdp("sdp-received (re-INVITE)", offer); /* UPDATE too: scripts grep this */
    if (ua_o.reject_reoffer && !rejected_one) {
        /* The first re-offer is refused: the call must go on as it was. */
        rejected_one = 1;
        ua_say("re-offer rejected with %d", ua_o.reject_reoffer);
        respond(m, ua_o.reject_reoffer, "Not Acceptable Here", NULL);
        return;
    }
    int code = answer_offer(offer, is_sdp, body, sizeof(body), &own_next, &in_new_key);
    if (code != 200) {
        respond(m, code, "Not Acceptable Here", NULL);
        return;
    }
    if (own_next)
        switch_on_ack = num;
    ua_say_sdp("sdp-sent (re-INVITE)", body);
    ua_reinvite_code = 200;
    respond(m, 200, "OK", body);
    if (MSG_IS_UPDATE(m) && switch_on_ack == num) { /* no ACK will come */
        switch_on_ack = 0;
        if (ua_install_rekey(NULL, &in_new_key, 1, why, sizeof(why)) < 0)
            ua_say("rekey failed: %s", why);
    }
}

int ua_dlg_request(osip_message_t *m)
{
    if (!MSG_IS_REQUEST(m) || !m->cseq || !m->cseq->number)
        return 0;
    unsigned num = (unsigned)strtoul(m->cseq->number, NULL, 10);
    if (MSG_IS_INVITE(m) || MSG_IS_UPDATE(m)) {
        if (in_resp_len && num == in_cseq) /* retransmission: same answer */
            ua_sip_send(&ua_sp, resp_host, resp_port, in_resp, (size_t)in_resp_len);
        else
            take_reoffer(m, num);
        return 1;
    }
    if (MSG_IS_ACK(m) && in_cseq && num == in_cseq) {
        if (late_ack == num) {
            late_ack = 0;
            take_late_answer(m);
        }
        if (switch_on_ack == num) {
            char why[200];
            switch_on_ack = 0;
            if (ua_install_rekey(NULL, &in_new_key, 1, why, sizeof(why)) < 0)
                ua_say("rekey failed: %s", why);
        }
        return 1;
    }
    return 0;
}
