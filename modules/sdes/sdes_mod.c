/*
 * modules/sdes/sdes_mod.c — sdes.so, the Kamailio glue of sdesgate: the
 * export tables (cfg functions, parameters, RPC, $sdes pseudo-variable,
 * KEMI), module life cycle and the one function every cfg/KEMI entry
 * calls. It negotiates SDES (RFC 4568) keys through the SDES engine and
 * pushes them to srtpd over the control protocol.
 *
 * State of this build (see docs/sdes-module.md "Overview"): the call
 * path is wired (kam_call.c): sdes_offer/sdes_rekey run the SDES engine on
 * the offer, create or update the call in srtpd (relay chosen by weight,
 * failover to the next one), store the engine state there and rewrite the
 * body with lumps; sdes_answer does the same for the answer; sdes_delete
 * deletes the call and logs the audit line. Flags, relay list, SDP body
 * checks (Kamailio's parser), policy decisions, health pings, $sdes(...),
 * RPC, statistics and KEMI are all live. sdes.rekey over RPC switches each
 * SRTP leg's send side to the next installed key in srtpd (no re-INVITE).
 *
 * Return codes (Kamailio: positive = true, 0 would stop the script):
 *    1 success
 *    2 sdes_delete: no relay holds this call (nothing to do); sdes_ack: no
 *      key switch pending for this ACK
 *   -1 SDES_RC_ERROR        bad flags at run time, internal error, call
 *                           not found for an answer, relay refused
 *   -2 SDES_RC_POLICY       policy rejected the SDP (answer 488 $sdes(reason))
 *   -3 SDES_RC_RELAY        no relay answered
 *   -4 SDES_RC_BAD_SDP      no SDP, not application/sdp, or malformed SDP
 *   -5 SDES_RC_UNAVAILABLE  kept for scripts written against earlier builds
 *   -6 SDES_RC_NO_CALL      an in-dialog offer (or an answer) for a call no
 *                           relay knows, every relay answering: the media
 *                           state is gone (reply 481; docs/sdes-module.md
 *                           "Lost state fails closed")
 *
 * Fail closed: whenever sdes_offer, sdes_answer or sdes_rekey (cfg or KEMI)
 * returns a negative code, the message's body has already been replaced
 * by one that rejects every stream (make_safe below, the one exit of every
 * body-rewriting entry point), so a script that relays it anyway sends
 * none of the refused SDP's addresses, ports or keys.
 */
#include <string.h>

#include "core/cfg_core.h"
#include "core/counters.h"
#include "core/dprint.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/parser/msg_parser.h"
#include "core/pvar.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/sr_module.h"
#include "core/timer_proc.h"

#include "ctl/secret.h"

#include "sdes/kam_ack.h"
#include "sdes/kam_statecache.h"
#include "sdes/kam_body.h"
#include "sdes/kam_call.h"
#include "sdes/call/bridge.h"
#include "sdes/call/flags.h"
#include "sdes/kam_relay.h"
#include "sdes/kam_result.h"
#include "sdes/call/sdpsafe.h"

MODULE_VERSION

typedef enum sdes_op {
    OP_OFFER,
    OP_ANSWER,
    OP_DELETE,
    OP_CHECK,
    OP_REKEY,
    OP_ACK,
} sdes_op;

static const char *const op_names[] = {
    [OP_OFFER] = "sdes_offer", [OP_ANSWER] = "sdes_answer", [OP_DELETE] = "sdes_delete",
    [OP_CHECK] = "sdes_check", [OP_REKEY] = "sdes_rekey",   [OP_ACK] = "sdes_ack",
};

/* ---- parameters ---- */
static char *p_secret = NULL;      /* control secret; never logged */
static char *p_secret_file = NULL; /* or read from this file (rtp/ctl/secret.h rules) */
static char secret_buf[CTL_SECRET_MAX + 1];
static int p_timeout_ms = 1000;  /* per control request */
static int p_retries = 2;        /* retransmissions before a relay counts as down */
static int p_ping_interval = 10; /* seconds between health pings */
static char *p_default_mode = "encrypt";
static char *p_default_policy = "optional";
static char *p_default_suites = "AES_CM_128_HMAC_SHA1_80,AES_256_CM_HMAC_SHA1_80,AEAD_AES_128_GCM";
static char *p_default_flags = "";   /* mki=, lifetime=, roc= defaults */
static int p_switch_after_ms = 2000; /* srtpd's fallback for a switch waiting for an ACK */
static int p_state_cache = 1024;     /* answer state cache slots (kam_statecache.h) */
static sdes_kam_flags defaults;

static int relay_param(modparam_t type, void *val)
{
    (void)type;
    return sdes_kam_relay_param((const char *)val);
}

/* ---- statistics (kamcmd stats.get_statistics sdes:) ---- */
static stat_var *st_encrypted, *st_decrypted, *st_rekeyed, *st_rejected, *st_relay_errors,
    *st_bad_sdp, *st_unavailable, *st_neutered;

static stat_export_t mod_stats[] = {
    {"calls_encrypted", 0, &st_encrypted},
    {"calls_decrypted", 0, &st_decrypted},
    {"calls_rekeyed", 0, &st_rekeyed},
    {"offers_rejected", 0, &st_rejected},
    {"relay_errors", 0, &st_relay_errors},
    {"bad_sdp", 0, &st_bad_sdp},
    {"not_available", 0, &st_unavailable},
    {"sdp_neutered", 0, &st_neutered},
    {0, 0, 0},
};

/* ---- cfg functions ---- */
static int fixup_flags(void **param, int param_no);
static int fixup_free_flags(void **param, int param_no);
static int w_sdes_offer(sip_msg_t *msg, char *flags, char *p2);
static int w_sdes_answer(sip_msg_t *msg, char *flags, char *p2);
static int w_sdes_delete(sip_msg_t *msg, char *flags, char *p2);
static int w_sdes_check(sip_msg_t *msg, char *policy, char *p2);
static int w_sdes_rekey(sip_msg_t *msg, char *flags, char *p2);
static int w_sdes_ack(sip_msg_t *msg, char *p1, char *p2);

static cmd_export_t cmds[] = {
    {"sdes_offer", (cmd_function)w_sdes_offer, 0, 0, 0, ANY_ROUTE},
    {"sdes_offer", (cmd_function)w_sdes_offer, 1, fixup_flags, fixup_free_flags, ANY_ROUTE},
    {"sdes_answer", (cmd_function)w_sdes_answer, 0, 0, 0, ANY_ROUTE},
    {"sdes_answer", (cmd_function)w_sdes_answer, 1, fixup_flags, fixup_free_flags, ANY_ROUTE},
    {"sdes_delete", (cmd_function)w_sdes_delete, 0, 0, 0, ANY_ROUTE},
    {"sdes_delete", (cmd_function)w_sdes_delete, 1, fixup_flags, fixup_free_flags, ANY_ROUTE},
    {"sdes_check", (cmd_function)w_sdes_check, 0, 0, 0, ANY_ROUTE},
    {"sdes_check", (cmd_function)w_sdes_check, 1, fixup_flags, fixup_free_flags, ANY_ROUTE},
    {"sdes_rekey", (cmd_function)w_sdes_rekey, 0, 0, 0, ANY_ROUTE},
    {"sdes_rekey", (cmd_function)w_sdes_rekey, 1, fixup_flags, fixup_free_flags, ANY_ROUTE},
    {"sdes_ack", (cmd_function)w_sdes_ack, 0, 0, 0, REQUEST_ROUTE},
    {0, 0, 0, 0, 0, 0},
};

static param_export_t params[] = {
    {"relay", PARAM_STRING | PARAM_USE_FUNC, (void *)relay_param},
    {"secret", PARAM_STRING, &p_secret},
    {"secret_file", PARAM_STRING, &p_secret_file},
    {"timeout_ms", PARAM_INT, &p_timeout_ms},
    {"retries", PARAM_INT, &p_retries},
    {"ping_interval", PARAM_INT, &p_ping_interval},
    {"default_mode", PARAM_STRING, &p_default_mode},
    {"default_policy", PARAM_STRING, &p_default_policy},
    {"default_suites", PARAM_STRING, &p_default_suites},
    {"default_flags", PARAM_STRING, &p_default_flags},
    {"switch_after_ms", PARAM_INT, &p_switch_after_ms},
    {"state_cache", PARAM_INT, &p_state_cache},
    {0, 0, 0},
};

/* ---- RPC ---- */
static void rpc_relays(rpc_t *rpc, void *ctx)
{
    sdes_kam_relay_rpc_list(rpc, ctx);
}

static void rpc_stats(rpc_t *rpc, void *ctx)
{
    void *th;
    if (rpc->add(ctx, "{", &th) < 0) {
        rpc->fault(ctx, 500, "Internal error creating rpc struct");
        return;
    }
    for (stat_export_t *s = mod_stats; s->name; s++)
        rpc->struct_add(th, "d", s->name, (int)get_stat_val(*s->stat_pointer));
}

/* sdes.rekey CALL-ID: the one rekey Kamailio can do without originating a
 * re-INVITE. srtpd already holds every key the SDP offered (several keys
 * per a=crypto line, RFC 4568 §6.1, or the old keys a sdes_rekey()
 * re-INVITE left installed: it never retires them), so each SRTP
 * leg's send side moves to the next installed key with srtpd's "rekey"
 * "next" (docs/protocol.md; the peer already knows that key and picks it by
 * MKI, RFC 3711 §8.1: zero loss). New keys need a re-offer: sdes_rekey()
 * on a re-INVITE. No key ever appears in the reply or the log. */
#define RPC_REKEY_NO_NEXT "no other key installed" /* srtpd's reason (cmd_rekey.c) */

static void rpc_rekey(rpc_t *rpc, void *ctx)
{
    str callid = STR_NULL;
    if (rpc->scan(ctx, "S", &callid) < 1) {
        rpc->fault(ctx, 400, "Call-ID expected");
        return;
    }
    if (!callid.s || callid.len <= 0 || callid.len > 255) {
        rpc->fault(ctx, 400, "Call-ID: want 1..255 bytes");
        return;
    }
    char err[256] = "", reason[2][256] = {"", ""};
    const ctl_be_doc *doc;
    const ctl_be *root;
    int relay = sdes_kam_relay_find(callid.s, (size_t)callid.len, &doc, &root, err, sizeof(err));
    if (relay == -2) {
        sdes_kam_relay_wipe_reply();
        rpc->fault(ctx, 404, "unknown call-id");
        return;
    }
    if (relay < 0) {
        sdes_kam_relay_wipe_reply();
        rpc->fault(ctx, 502, "%s", err[0] ? err : "no relay answered");
        return;
    }
    /* Which legs are SRTP: from the state reply (any stream), read before
     * the next request reuses the reply buffer; then wipe it (it carries
     * the sdes-state, which holds keys). */
    bool srtp[2] = {false, false};
    for (const ctl_be *st = ctl_be_first(doc, ctl_be_get(doc, root, "streams")); st;
         st = ctl_be_next(doc, st))
        for (int k = 0; k < 2; k++) {
            const ctl_be *t = ctl_be_get(doc, ctl_be_get(doc, st, k ? "b" : "a"), "transport");
            if (t && ctl_be_str_eq(t, "SRTP"))
                srtp[k] = true;
        }
    sdes_kam_relay_wipe_reply();
    if (!srtp[0] && !srtp[1]) {
        rpc->fault(ctx, 409, "call has no SRTP leg to rekey");
        return;
    }
    int64_t streams[2] = {-1, -1};
    int switched = 0, worst = 409; /* 409 unless some leg failed for another reason */
    for (int k = 0; k < 2; k++) {
        if (!srtp[k])
            continue;
        char body[512];
        ctl_benc w;
        ctl_benc_init(&w, body, sizeof(body));
        ctl_benc_dict(&w); /* bencode dict keys in sorted order */
        ctl_benc_kv_str(&w, "call-id", callid.s, (size_t)callid.len);
        ctl_benc_kv_cstr(&w, "command", "rekey");
        ctl_benc_kv_cstr(&w, "dir", "send");
        ctl_benc_kv_cstr(&w, "leg", k ? "b" : "a");
        ctl_benc_kv_int(&w, "next", 1);
        ctl_benc_end(&w);
        if (!ctl_benc_ok(&w)) {
            rpc->fault(ctx, 400, "Call-ID too long for a request");
            return;
        }
        int rc = sdes_kam_relay_send(relay, body, w.len, &doc, &root, reason[k], sizeof(reason[k]));
        if (rc == 0) {
            if (!ctl_be_get_int(doc, root, "streams", &streams[k]))
                streams[k] = 0;
            switched++;
        } else if (rc < 0 || !strstr(reason[k], RPC_REKEY_NO_NEXT)) {
            worst = 502;
        }
    }
    const char *rname = sdes_kam_relay_name(relay);
    if (!switched) {
        const char *why = reason[srtp[0] ? 0 : 1];
        if (worst == 502 && srtp[0] && srtp[1] && strstr(why, RPC_REKEY_NO_NEXT))
            why = reason[1]; /* report the failure that made this a 502 */
        LM_NOTICE("sdes.rekey %.*s on %s: %s\n", callid.len, callid.s, rname, why);
        rpc->fault(ctx, worst, "relay %s: %s", rname, why);
        return;
    }
    LM_INFO("sdes.rekey %.*s on %s: %d leg(s) switched to the next key\n", callid.len, callid.s,
            rname, switched);
    void *th, *lh;
    if (rpc->add(ctx, "{", &th) < 0) {
        rpc->fault(ctx, 500, "Internal error creating rpc struct");
        return;
    }
    rpc->struct_add(th, "Ss", "call-id", &callid, "relay", rname);
    for (int k = 0; k < 2; k++) {
        if (!srtp[k] || rpc->struct_add(th, "{", k ? "b" : "a", &lh) < 0)
            continue;
        if (streams[k] >= 0)
            rpc->struct_add(lh, "sd", "result", "switched", "streams", (int)streams[k]);
        else
            rpc->struct_add(lh, "ss", "result", "failed", "reason", reason[k]);
    }
}

static void rpc_list(rpc_t *rpc, void *ctx)
{
    sdes_kam_relay_rpc_calls(rpc, ctx);
}

static const char *rpc_relays_doc[] = {"List relays: address, weight, transport, state.", 0};
static const char *rpc_stats_doc[] = {"sdes counters.", 0};
static const char *rpc_rekey_doc[] = {
    "Rekey a call: sdes.rekey CALL-ID switches each SRTP leg's send key to the next"
    " installed one (srtpd rekey next). Faults: 404 unknown call-id, 409 no next key,"
    " 502 relay error.",
    0};
static const char *rpc_list_doc[] = {"List calls held by the relays (no keys).", 0};

static rpc_export_t rpc_cmds[] = {
    {"sdes.relays", rpc_relays, rpc_relays_doc, RET_ARRAY},
    {"sdes.stats", rpc_stats, rpc_stats_doc, 0},
    {"sdes.rekey", rpc_rekey, rpc_rekey_doc, 0},
    {"sdes.list", rpc_list, rpc_list_doc, RET_ARRAY},
    {0, 0, 0, 0},
};

static pv_export_t mod_pvs[] = {
    {{"sdes", sizeof("sdes") - 1}, PVT_OTHER, sdes_kam_pv_get, 0, sdes_kam_pv_parse_name, 0, 0, 0},
    {{0, 0}, 0, 0, 0, 0, 0, 0, 0},
};

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

struct module_exports exports = {
    "sdes",          /* module name */
    DEFAULT_DLFLAGS, /* dlopen flags */
    cmds,            /* cfg functions */
    params,          /* module parameters */
    rpc_cmds,        /* RPC commands */
    mod_pvs,         /* pseudo-variables */
    0,               /* response handler */
    mod_init,
    child_init,
    mod_destroy,
};

/* ---- life cycle ---- */

/* A default_* parameter must hold exactly the item it names. */
static int parse_default(const char *name, const char *value, unsigned expect)
{
    sdes_kam_flags f;
    char err[200];
    if (!value)
        return 0;
    if (sdes_kam_flags_parse(value, strlen(value), &f, err, sizeof(err)) < 0) {
        LM_ERR("modparam %s: %s\n", name, err);
        return -1;
    }
    if (expect && (f.set & ~expect)) {
        LM_ERR("modparam %s holds other flags than its own\n", name);
        return -1;
    }
    sdes_kam_flags_apply_defaults(&defaults, &f);
    return 0;
}

/* At L_DBG Kamailio's core logs every message it relays in full
 * (core/forward.c "Sending:"), our answers with their fresh inline: keys
 * included. Said at start-up, and once per process when the level is
 * raised at run time (kamcmd cfg.set_now_int core debug 3). */
#define DEBUG_LOG_WARNING \
    "sdes: Kamailio's log level (debug=%d) writes whole SIP messages, SDP a=crypto keys" \
    " included, to the log: keep debug at 2 or lower in production\n"

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

static int mod_init(void)
{
    char buf[256];

    if (default_core_cfg.debug >= L_DBG)
        LM_WARN(DEBUG_LOG_WARNING, default_core_cfg.debug);

    memset(&defaults, 0, sizeof(defaults));
    if (parse_default("default_mode", p_default_mode, SDES_KAM_F_MODE) < 0 ||
        parse_default("default_policy", p_default_policy, SDES_KAM_F_POLICY) < 0)
        return -1;
    if (p_default_suites && *p_default_suites) {
        char tmp[512];
        snprintf(tmp, sizeof(tmp), "suites=%s", p_default_suites);
        if (parse_default("default_suites", tmp, SDES_KAM_F_SUITES) < 0)
            return -1;
    }
    if (parse_default("default_flags", p_default_flags,
                      SDES_KAM_F_MKI | SDES_KAM_F_LIFETIME | SDES_KAM_F_ROC | SDES_KAM_F_KEYS |
                          SDES_KAM_F_MKI_USE | SDES_KAM_F_NOMKI) < 0)
        return -1;
    {
        sdes_policy pol;
        char err[200];
        if (sdes_kam_engine_policy(&defaults, &pol, err, sizeof(err)) < 0) {
            LM_ERR("default_* parameters: %s\n", err);
            return -1;
        }
    }
    if (p_timeout_ms < 10 || p_timeout_ms > 60000 || p_retries < 0 || p_retries > 10 ||
        p_ping_interval < 1 || p_ping_interval > 3600) {
        LM_ERR("timeout_ms must be 10..60000, retries 0..10, ping_interval 1..3600\n");
        return -1;
    }
    if (p_switch_after_ms < 0 || p_switch_after_ms > 60000) {
        LM_ERR("modparam switch_after_ms: 0..60000 (0 = switch at the 2xx)\n");
        return -1;
    }
    if (sdes_kam_ack_init(p_switch_after_ms) < 0 || sdes_kam_statecache_init(p_state_cache) < 0)
        return -1;
    if (p_secret_file && *p_secret_file) {
        /* kamailio.cfg is often readable by every local user; a file only
         * Kamailio's user reads keeps the relay secret out of it. */
        char why[400], warn[400];
        size_t n;
        if (p_secret && *p_secret) {
            LM_ERR("modparam secret and secret_file: set only one\n");
            return -1;
        }
        if (!ctl_secret_read_file(p_secret_file, secret_buf, sizeof(secret_buf), &n, why,
                                  sizeof(why), warn, sizeof(warn))) {
            LM_ERR("modparam secret_file: %s\n", why);
            return -1;
        }
        if (warn[0])
            LM_WARN("modparam secret_file: %s\n", warn);
        p_secret = secret_buf;
    }
    if (p_secret && *p_secret && strlen(p_secret) < 16) {
        /* A short shared secret is guessable offline from one datagram. */
        LM_ERR("modparam secret: at least 16 characters\n");
        return -1;
    }
    if (sdes_kam_relay_init(p_secret, p_timeout_ms, p_retries) < 0)
        return -1;
    if (sdes_kam_relay_count() > 0)
        register_basic_timers(1); /* the relay ping process */
    if (register_module_stats(exports.name, mod_stats) != 0) {
        LM_ERR("cannot register statistics\n");
        return -1;
    }
    sdes_kam_flags_format(&defaults, buf, sizeof(buf));
    LM_INFO("sdes: defaults %s; %d relay(s), pinged every %ds\n", buf, sdes_kam_relay_count(),
            p_ping_interval);
    return 0;
}

static void ping_timer(unsigned int ticks, void *param)
{
    (void)ticks;
    (void)param;
    sdes_kam_relay_ping_all();
}

static int child_init(int rank)
{
    /* Control clients are made per process on first use; the main process
     * forks the one that pings relays (health for sdes.relays, failover). */
    if (rank != PROC_MAIN || sdes_kam_relay_count() == 0)
        return 0;
    if (fork_basic_timer(PROC_TIMER, "SDES RELAY PING", 1, ping_timer, NULL, p_ping_interval) < 0) {
        LM_ERR("cannot start the relay ping process\n");
        return -1;
    }
    return 0;
}

static void mod_destroy(void)
{
    sdes_kam_relay_destroy();
    sdes_kam_ack_destroy();
    sdes_kam_statecache_destroy();
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
static int engine_check(sip_msg_t *msg, sdes_op op, const sdes_kam_flags *f, const str *body)
{
    char reason[SDES_REASON_LEN], suite[48];
    sdes_rej code = sdes_kam_engine_check(f, body->s, (size_t)body->len, reason, sizeof(reason),
                                          suite, sizeof(suite));
    int rc = sdes_kam_engine_rc(code);
    sdes_kam_result_suite(suite);
    if (rc > 0)
        return sdes_kam_result_set(SDES_RC_OK, NULL);
    sdes_kam_result_set(rc, "%s", reason);
    return fail(msg, op, rc,
                rc == SDES_RC_POLICY    ? st_rejected
                : rc == SDES_RC_BAD_SDP ? st_bad_sdp
                                        : NULL);
}

/* End of call: srtpd deletes it and returns its final statistics, which
 * become the audit line (suites, MKIs, packets, drops; never keys). A call
 * no relay holds (never anchored, or already gone) is not an error. */
static int delete_call(sip_msg_t *msg, const sdes_kam_flags *f)
{
    char audit[1024], err[200];
    str cid = call_id(msg);
    /* A forked call: a BYE/failure for a branch that is not the committed
     * one removes that branch only (kam_call.h). */
    if (sdes_kam_call_delete_branch(msg, f, &cid) > 0)
        return sdes_kam_result_set(SDES_RC_OK, NULL);
    int r = sdes_kam_relay_delete(cid.s, (size_t)cid.len, audit, sizeof(audit), err, sizeof(err));
    if (r > 0) {
        LM_NOTICE("sdes audit: Call-ID %.*s: %s\n", cid.len, cid.s, audit);
        return sdes_kam_result_set(SDES_RC_OK, NULL);
    }
    if (r == 0)
        return sdes_kam_result_set(SDES_RC_NOTHING, "no relay holds this call");
    sdes_kam_result_set(SDES_RC_RELAY, "%s", err);
    return fail(msg, OP_DELETE, SDES_RC_RELAY, st_relay_errors);
}

/* Counts a completed exchange by the mode the call runs in. */
static void count_call(sdes_op op, sdes_mode mode, int reoffer)
{
    if (op == OP_REKEY) {
        update_stat(st_rekeyed, 1);
        return;
    }
    if (op != OP_ANSWER || reoffer)
        return;
    if (mode == SDES_MODE_DECRYPT)
        update_stat(st_decrypted, 1);
    else if (mode == SDES_MODE_REKEY)
        update_stat(st_rekeyed, 1);
    else if (mode == SDES_MODE_ENCRYPT || mode == SDES_MODE_OSRTP)
        update_stat(st_encrypted, 1);
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
    sdes_kam_flags f;
    char err[200];
    str body;
    const char *why;
    int mode_given, rc, reoffer = 0;
    sdes_mode mode = SDES_MODE_ENCRYPT;

    memset(&f, 0, sizeof(f));
    sdes_kam_result_begin(msg, NULL);
    if (flags_s && flags_s->len > 0 &&
        sdes_kam_flags_parse(flags_s->s, (size_t)flags_s->len, &f, err, sizeof(err)) < 0) {
        sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", err);
        return fail(msg, op, SDES_RC_ERROR, NULL);
    }
    mode_given = (f.set & SDES_KAM_F_MODE) != 0;
    sdes_kam_flags_apply_defaults(&f, &defaults);
    sdes_kam_result_begin(msg, sdes_kam_mode_name(f.mode));
    {
        sdes_policy pol;
        if (sdes_kam_engine_policy(&f, &pol, err, sizeof(err)) < 0) {
            sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", err);
            return fail(msg, op, SDES_RC_ERROR, NULL);
        }
    }

    if (op == OP_DELETE)
        return delete_call(msg, &f);

    switch (sdes_kam_body_sdp(msg, &body, &why)) {
    case SDES_KAM_BODY_OK:
        break;
    default:
        sdes_kam_result_set(SDES_RC_BAD_SDP, "%s", why);
        return fail(msg, op, SDES_RC_BAD_SDP, st_bad_sdp);
    }
    if (op == OP_CHECK)
        return engine_check(msg, op, &f, &body);
    /* srtpd relays to IP literals only: a DNS name or a malformed address
     * in c= is refused here, with the value in the reason. */
    if (sdes_kam_sdp_addr_check(body.s, (size_t)body.len, err, sizeof(err)) < 0) {
        sdes_kam_result_set(SDES_RC_POLICY, "%s", err);
        return fail(msg, op, SDES_RC_POLICY, st_rejected);
    }

    str cid = call_id(msg);
    if (op == OP_ANSWER)
        rc = sdes_kam_call_answer(msg, &f, &body, &cid, &mode, &reoffer);
    else
        rc = unservable(
            sdes_kam_call_offer(msg, &f, mode_given, op == OP_REKEY, &body, &cid, &mode, &reoffer));
    sdes_kam_result_mode(sdes_mode_name(mode));
    if (rc < 0)
        return fail(msg, op, rc,
                    rc == SDES_RC_POLICY    ? st_rejected
                    : rc == SDES_RC_BAD_SDP ? st_bad_sdp
                    : rc == SDES_RC_RELAY   ? st_relay_errors
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
    if (rc >= 0 || (op != OP_OFFER && op != OP_ANSWER && op != OP_REKEY))
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
    update_stat(st_neutered, 1);
    LM_NOTICE("%s: Call-ID %.*s: body replaced by an SDP rejecting all %d stream(s)\n",
              op_names[op], cid.len, cid.s, streams);
    return rc;
}

static int sdes_run(sip_msg_t *msg, sdes_op op, const str *flags_s)
{
    warn_debug_level();
    return make_safe(msg, op, sdes_run_op(msg, op, flags_s));
}

/* ---- cfg wrappers: unpack the fixed-up parameter, call sdes_run ---- */

static int fixup_flags(void **param, int param_no)
{
    char err[200];
    sdes_kam_flags f;
    sdes_policy pol;

    if (fixup_spve_null(param, param_no) < 0)
        return -1;
    /* A constant flag string is checked now, so `kamailio -c` catches a
     * typo; one holding variables is checked per call. */
    gparam_t *gp = (gparam_t *)*param;
    if (gp->type != GPARAM_TYPE_STR)
        return 0;
    if (sdes_kam_flags_parse(gp->v.str.s, (size_t)gp->v.str.len, &f, err, sizeof(err)) < 0) {
        LM_ERR("sdes flags \"%.*s\": %s\n", gp->v.str.len, gp->v.str.s, err);
        return -1;
    }
    sdes_kam_flags_apply_defaults(&f, &defaults);
    if (sdes_kam_engine_policy(&f, &pol, err, sizeof(err)) < 0) {
        LM_ERR("sdes flags \"%.*s\": %s\n", gp->v.str.len, gp->v.str.s, err);
        return -1;
    }
    return 0;
}

static int fixup_free_flags(void **param, int param_no)
{
    return fixup_free_spve_null(param, param_no);
}

static int run_w(sip_msg_t *msg, sdes_op op, char *p)
{
    str s = STR_NULL;
    if (p && fixup_get_svalue(msg, (gparam_t *)p, &s) < 0) {
        sdes_kam_result_begin(msg, NULL);
        sdes_kam_result_set(SDES_RC_ERROR, "cannot evaluate flags");
        return make_safe(msg, op, fail(msg, op, SDES_RC_ERROR, NULL));
    }
    return sdes_run(msg, op, p ? &s : NULL);
}

static int w_sdes_offer(sip_msg_t *msg, char *flags, char *p2)
{
    (void)p2;
    return run_w(msg, OP_OFFER, flags);
}

static int w_sdes_answer(sip_msg_t *msg, char *flags, char *p2)
{
    (void)p2;
    return run_w(msg, OP_ANSWER, flags);
}

static int w_sdes_delete(sip_msg_t *msg, char *flags, char *p2)
{
    (void)p2;
    return run_w(msg, OP_DELETE, flags);
}

static int w_sdes_check(sip_msg_t *msg, char *policy, char *p2)
{
    (void)p2;
    return run_w(msg, OP_CHECK, policy);
}

static int w_sdes_rekey(sip_msg_t *msg, char *flags, char *p2)
{
    (void)p2;
    return run_w(msg, OP_REKEY, flags);
}

/* The re-offerer's ACK: switches srtpd's send key toward it when a
 * sdes_rekey() answer left one pending (kam_ack.h). */
static int sdes_ack_run(sip_msg_t *msg)
{
    sdes_kam_result_begin(msg, NULL);
    int rc = sdes_kam_ack_run(msg);
    if (rc < 0)
        return fail(msg, OP_ACK, rc, rc == SDES_RC_RELAY ? st_relay_errors : NULL);
    return rc;
}

static int w_sdes_ack(sip_msg_t *msg, char *p1, char *p2)
{
    (void)p1;
    (void)p2;
    return sdes_ack_run(msg);
}

/* ---- KEMI: KSR.sdes.sdes_offer(), KSR.sdes.sdes_offer_flags("...") ... ---- */

static int ki_sdes_offer(sip_msg_t *msg)
{
    return sdes_run(msg, OP_OFFER, NULL);
}
static int ki_sdes_offer_flags(sip_msg_t *msg, str *f)
{
    return sdes_run(msg, OP_OFFER, f);
}
static int ki_sdes_answer(sip_msg_t *msg)
{
    return sdes_run(msg, OP_ANSWER, NULL);
}
static int ki_sdes_answer_flags(sip_msg_t *msg, str *f)
{
    return sdes_run(msg, OP_ANSWER, f);
}
static int ki_sdes_delete(sip_msg_t *msg)
{
    return sdes_run(msg, OP_DELETE, NULL);
}
static int ki_sdes_delete_flags(sip_msg_t *msg, str *f)
{
    return sdes_run(msg, OP_DELETE, f);
}
static int ki_sdes_check(sip_msg_t *msg)
{
    return sdes_run(msg, OP_CHECK, NULL);
}
static int ki_sdes_check_policy(sip_msg_t *msg, str *f)
{
    return sdes_run(msg, OP_CHECK, f);
}
static int ki_sdes_rekey(sip_msg_t *msg)
{
    return sdes_run(msg, OP_REKEY, NULL);
}
static int ki_sdes_rekey_flags(sip_msg_t *msg, str *f)
{
    return sdes_run(msg, OP_REKEY, f);
}
static int ki_sdes_ack(sip_msg_t *msg)
{
    return sdes_ack_run(msg);
}

#define KEMI0(name, fn) \
    { \
        str_init("sdes"), str_init(name), SR_KEMIP_INT, fn, \
        { \
            SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, \
                SR_KEMIP_NONE \
        } \
    }
#define KEMI1(name, fn) \
    { \
        str_init("sdes"), str_init(name), SR_KEMIP_INT, fn, \
        { \
            SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, \
                SR_KEMIP_NONE \
        } \
    }

static sr_kemi_t sr_kemi_sdes_exports[] = {
    KEMI0("sdes_offer", ki_sdes_offer),   KEMI1("sdes_offer_flags", ki_sdes_offer_flags),
    KEMI0("sdes_answer", ki_sdes_answer), KEMI1("sdes_answer_flags", ki_sdes_answer_flags),
    KEMI0("sdes_delete", ki_sdes_delete), KEMI1("sdes_delete_flags", ki_sdes_delete_flags),
    KEMI0("sdes_check", ki_sdes_check),   KEMI1("sdes_check_policy", ki_sdes_check_policy),
    KEMI0("sdes_rekey", ki_sdes_rekey),   KEMI1("sdes_rekey_flags", ki_sdes_rekey_flags),
    KEMI0("sdes_ack", ki_sdes_ack),       {{0, 0}, {0, 0}, 0, NULL, {0, 0, 0, 0, 0, 0}},
};

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
    (void)path;
    (void)dlflags;
    (void)p1;
    (void)p2;
    sr_kemi_modules_add(sr_kemi_sdes_exports);
    return 0;
}
