/*
 * modules/sdes/kam_run.c — the one function every cfg function and KEMI
 * export of sdes.so calls (kam_run.h): parse the flags over the defaults,
 * check the body, run the offer, answer, rekey, check, delete or ACK step,
 * count it, and on a refusal replace the body (make_safe).
 */
#include <stdio.h>
#include <string.h>

#include "core/cfg_core.h"
#include "core/dprint.h"
#include "core/mod_fix.h"
#include "core/parser/msg_parser.h"

#include "sdes/call/bridge.h"
#include "sdes/call/flags.h"
#include "sdes/call/sdpsafe.h"
#include "sdes/kam_ack.h"
#include "sdes/kam_body.h"
#include "sdes/kam_call.h"
#include "sdes/kam_lost.h"
#include "sdes/kam_params.h"
#include "sdes/kam_relay.h"
#include "sdes/kam_result.h"
#include "sdes/kam_run.h"
#include "sdes/kam_stats.h"

static const char *const op_names[] = {
    [SDES_OP_OFFER] = "sdes_offer",   [SDES_OP_ANSWER] = "sdes_answer",
    [SDES_OP_DELETE] = "sdes_delete", [SDES_OP_CHECK] = "sdes_check",
    [SDES_OP_REKEY] = "sdes_rekey",   [SDES_OP_ACK] = "sdes_ack",
};

/* At L_DBG Kamailio's core logs every message it relays in full
 * (core/forward.c "Sending:"), our answers with their fresh inline: keys
 * included. Said at start-up, and once per process when the level is
 * raised at run time (kamcmd cfg.set_now_int core debug 3). */
#define DEBUG_LOG_WARNING \
    "sdes: Kamailio's log level (debug=%d) writes whole SIP messages, SDP a=crypto keys" \
    " included, to the log: keep debug at 2 or lower in production\n"

void sdes_kam_run_warn_debug_at_start(void)
{
    if (default_core_cfg.debug >= L_DBG)
        LM_WARN(DEBUG_LOG_WARNING, default_core_cfg.debug);
}

static void warn_debug_level(void)
{
    static int warned;
    int level = cfg_get(core, core_cfg, debug);
    if (level >= L_DBG && !warned) {
        warned = 1;
        LM_WARN(DEBUG_LOG_WARNING, level);
    } else if (level < L_DBG) {
        warned = 0;
    }
}

/* ---- the work ---- */

static str call_id(sip_msg_t *msg)
{
    static str none = str_init("-");
    if (parse_headers(msg, HDR_CALLID_F, 0) < 0 || !msg->callid)
        return none;
    return msg->callid->body;
}

static int fail(sip_msg_t *msg, sdes_op op, int rc, stat_var *counter)
{
    str cid = call_id(msg);
    if (counter)
        update_stat(counter, 1);
    LM_NOTICE("%s: Call-ID %.*s: %s (rc %d)\n", op_names[op], cid.len, cid.s,
              sdes_kam_result_reason(), rc);
    return rc;
}

/* The offer against the call's policy, judged by the SDES engine
 * (call/bridge.c): suites, tag and key lengths, session parameters and
 * lifetimes of every a=crypto, SRTP required or not (RFC 4568 §7.1).
 * Returns 1, or the negative code after recording the engine's reason. */
static int engine_check(sip_msg_t *msg, sdes_op op, const sdes_call_flags *f, const str *body)
{
    char reason[SDES_REASON_LEN], suite[48];
    sdes_rej code = sdes_call_engine_check(f, body->s, (size_t)body->len, reason, sizeof(reason),
                                           suite, sizeof(suite));
    int rc = sdes_call_engine_rc(code);
    sdes_kam_result_suite(suite);
    if (rc > 0)
        return sdes_kam_result_set(SDES_RC_OK, NULL);
    sdes_kam_result_set(rc, "%s", reason);
    return fail(msg, op, rc,
                rc == SDES_RC_POLICY    ? sdes_kam_st.rejected
                : rc == SDES_RC_BAD_SDP ? sdes_kam_st.bad_sdp
                                        : NULL);
}

/* End of call: srtpd deletes it and returns its final statistics, which
 * become the audit line (suites, MKIs, packets, drops; never keys). A call
 * no relay holds (never anchored, or already gone) is not an error. */
static int delete_call(sip_msg_t *msg, const sdes_call_flags *f)
{
    char audit[1024], err[200];
    str cid = call_id(msg);
    /* A forked call: a BYE/failure for a branch that is not the committed
     * one removes that branch only (kam_call.h). */
    if (sdes_kam_call_delete_branch(msg, f, &cid) > 0)
        return sdes_kam_result_set(SDES_RC_OK, NULL);
    int r = sdes_kam_relay_delete(cid.s, (size_t)cid.len, audit, sizeof(audit), err, sizeof(err));
    if (r > 0) {
        sdes_kam_stats_call_closed();
        LM_NOTICE("sdes audit: Call-ID %.*s: %s\n", cid.len, cid.s, audit);
        return sdes_kam_result_set(SDES_RC_OK, NULL);
    }
    sdes_kam_lost_audit(msg, &cid, r == 0); /* r <= 0 here: lost at BYE? (kam_lost.h) */
    if (r == 0)
        return sdes_kam_result_set(SDES_RC_NOTHING, "no relay holds this call");
    sdes_kam_result_set(SDES_RC_RELAY, "%s", err);
    return fail(msg, SDES_OP_DELETE, SDES_RC_RELAY, sdes_kam_st.relay_errors);
}

/* Counts a completed exchange by the mode the call runs in. */
static void count_call(sdes_op op, sdes_mode mode, int reoffer)
{
    if (op == SDES_OP_REKEY) {
        update_stat(sdes_kam_st.rekeyed, 1);
        return;
    }
    if (op != SDES_OP_ANSWER || reoffer)
        return;
    if (mode == SDES_MODE_DECRYPT)
        update_stat(sdes_kam_st.decrypted, 1);
    else if (mode == SDES_MODE_REKEY)
        update_stat(sdes_kam_st.rekeyed, 1);
    else if (mode == SDES_MODE_ENCRYPT || mode == SDES_MODE_OSRTP)
        update_stat(sdes_kam_st.encrypted, 1);
}

/* An offer whose c= srtpd cannot serve is the SDP's fault, not ours: 488
 * with the cause (rc -2), not a 500. srtpd names a missing address family
 * in its refusal (rtp/relay/calltable.c). */
static int unservable(int rc)
{
    if (rc != SDES_RC_ERROR || !strstr(sdes_kam_result_reason(), "media interface configured"))
        return rc;
    char why[200];
    snprintf(why, sizeof(why), "%s", sdes_kam_result_reason());
    sdes_kam_result_set(SDES_RC_POLICY, "c= address family not served by the media relay: %s", why);
    return SDES_RC_POLICY;
}

static int sdes_run_op(sip_msg_t *msg, sdes_op op, const str *flags_s)
{
    sdes_call_flags f;
    char err[200];
    str body;
    const char *why;
    int mode_given, rc, reoffer = 0;
    sdes_mode mode = SDES_MODE_ENCRYPT;

    memset(&f, 0, sizeof(f));
    sdes_kam_result_begin(msg, NULL);
    if (flags_s && flags_s->len > 0 &&
        sdes_call_flags_parse(flags_s->s, (size_t)flags_s->len, &f, err, sizeof(err)) < 0) {
        sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", err);
        return fail(msg, op, SDES_RC_ERROR, NULL);
    }
    mode_given = (f.set & SDES_CALL_F_MODE) != 0;
    sdes_call_flags_apply_defaults(&f, &sdes_kam_defaults);
    sdes_kam_result_begin(msg, sdes_call_mode_name(f.mode));
    {
        sdes_policy pol;
        if (sdes_call_engine_policy(&f, &pol, err, sizeof(err)) < 0) {
            sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", err);
            return fail(msg, op, SDES_RC_ERROR, NULL);
        }
    }

    if (op == SDES_OP_DELETE)
        return delete_call(msg, &f);

    switch (sdes_kam_body_sdp(msg, &body, &why)) {
    case SDES_KAM_BODY_OK:
        break;
    default:
        sdes_kam_result_set(SDES_RC_BAD_SDP, "%s", why);
        return fail(msg, op, SDES_RC_BAD_SDP, sdes_kam_st.bad_sdp);
    }
    if (op == SDES_OP_CHECK)
        return engine_check(msg, op, &f, &body);
    /* srtpd relays to IP literals only: a DNS name or a malformed address
     * in c= is refused here, with the value in the reason. */
    if (sdes_call_sdp_addr_check(body.s, (size_t)body.len, err, sizeof(err)) < 0) {
        sdes_kam_result_set(SDES_RC_POLICY, "%s", err);
        return fail(msg, op, SDES_RC_POLICY, sdes_kam_st.rejected);
    }

    str cid = call_id(msg);
    if (op == SDES_OP_ANSWER)
        rc = sdes_kam_call_answer(msg, &f, &body, &cid, &mode, &reoffer);
    else
        rc = unservable(sdes_kam_call_offer(msg, &f, mode_given, op == SDES_OP_REKEY, &body, &cid,
                                            &mode, &reoffer));
    sdes_kam_result_mode(sdes_mode_name(mode));
    if (rc < 0)
        return fail(msg, op, rc,
                    rc == SDES_RC_POLICY    ? sdes_kam_st.rejected
                    : rc == SDES_RC_BAD_SDP ? sdes_kam_st.bad_sdp
                    : rc == SDES_RC_RELAY   ? sdes_kam_st.relay_errors
                                            : NULL);
    count_call(op, mode, reoffer);
    return rc;
}

/* The one exit of every body-rewriting entry point (cfg functions and
 * KEMI): a refused offer or answer never leaves with its own body. The
 * body becomes an SDP rejecting every stream (kam_body_neuter), whatever
 * the script does next; $sdes(rc) and $sdes(reason) keep the refusal. */
static int make_safe(sip_msg_t *msg, sdes_op op, int rc)
{
    int streams = 0, r;
    if (rc >= 0 || (op != SDES_OP_OFFER && op != SDES_OP_ANSWER && op != SDES_OP_REKEY))
        return rc;
    r = sdes_kam_body_neuter(msg, &streams);
    if (r == 0)
        return rc; /* no body */
    str cid = call_id(msg);
    if (r < 0) {
        LM_ERR("%s: Call-ID %.*s: the refused body could not be replaced: do not relay this"
               " message\n",
               op_names[op], cid.len, cid.s);
        return rc;
    }
    update_stat(sdes_kam_st.neutered, 1);
    LM_NOTICE("%s: Call-ID %.*s: body replaced by an SDP rejecting all %d stream(s)\n",
              op_names[op], cid.len, cid.s, streams);
    return rc;
}

int sdes_kam_run(sip_msg_t *msg, sdes_op op, const str *flags_s)
{
    warn_debug_level();
    return make_safe(msg, op, sdes_run_op(msg, op, flags_s));
}

/* ---- cfg functions: the flags parameter ---- */

int sdes_kam_fixup_flags(void **param, int param_no)
{
    char err[200];
    sdes_call_flags f;
    sdes_policy pol;

    if (fixup_spve_null(param, param_no) < 0)
        return -1;
    /* A constant flag string is checked now, so a typo stops start-up
     * (`kamailio -c` runs no fixups in 5.6); one holding variables is
     * checked per call. */
    gparam_t *gp = (gparam_t *)*param;
    if (gp->type != GPARAM_TYPE_STR)
        return 0;
    if (sdes_call_flags_parse(gp->v.str.s, (size_t)gp->v.str.len, &f, err, sizeof(err)) < 0) {
        LM_ERR("sdes flags \"%.*s\": %s\n", gp->v.str.len, gp->v.str.s, err);
        return -1;
    }
    sdes_call_flags_apply_defaults(&f, &sdes_kam_defaults);
    if (sdes_call_engine_policy(&f, &pol, err, sizeof(err)) < 0) {
        LM_ERR("sdes flags \"%.*s\": %s\n", gp->v.str.len, gp->v.str.s, err);
        return -1;
    }
    return 0;
}

int sdes_kam_fixup_free_flags(void **param, int param_no)
{
    return fixup_free_spve_null(param, param_no);
}

int sdes_kam_run_w(sip_msg_t *msg, sdes_op op, char *p)
{
    str s = STR_NULL;
    if (p && fixup_get_svalue(msg, (gparam_t *)p, &s) < 0) {
        sdes_kam_result_begin(msg, NULL);
        sdes_kam_result_set(SDES_RC_ERROR, "cannot evaluate flags");
        return make_safe(msg, op, fail(msg, op, SDES_RC_ERROR, NULL));
    }
    return sdes_kam_run(msg, op, p ? &s : NULL);
}

/* The re-offerer's ACK: switches srtpd's send key toward it when a
 * sdes_rekey() answer left one pending (kam_ack.h). */
int sdes_kam_run_ack(sip_msg_t *msg)
{
    sdes_kam_result_begin(msg, NULL);
    int rc = sdes_kam_ack_run(msg);
    if (rc < 0)
        return fail(msg, SDES_OP_ACK, rc, rc == SDES_RC_RELAY ? sdes_kam_st.relay_errors : NULL);
    return rc;
}
