/*
 * modules/sdes/sdes_mod.c — sdes.so, the Kamailio glue of sdesgate: the
 * export tables (cfg functions, parameters, RPC, statistics, $sdes
 * pseudo-variable, KEMI) and the module life cycle. The work is in the
 * kam_*.c files: kam_run.c (what every cfg/KEMI entry calls),
 * kam_params.c (parameters and their checks), kam_stats.c, kam_rpc.c. It negotiates SDES (RFC 4568) keys through the SDES engine and
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
 * by one that rejects every stream (make_safe, the one exit of every
 * body-rewriting entry point, kam_run.c), so a script that relays it anyway sends
 * none of the refused SDP's addresses, ports or keys.
 */
#include <string.h>

#include "core/counters.h"
#include "core/dprint.h"
#include "core/kemi.h"
#include "core/parser/msg_parser.h"
#include "core/pvar.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/sr_module.h"
#include "core/timer_proc.h"

#include "sdes/call/flags.h"
#include "sdes/kam_ack.h"
#include "sdes/kam_drain.h"
#include "sdes/kam_events.h"
#include "sdes/kam_iface.h"
#include "sdes/kam_params.h"
#include "sdes/kam_relay.h"
#include "sdes/kam_result.h"
#include "sdes/kam_rpc.h"
#include "sdes/kam_run.h"
#include "sdes/kam_stats.h"
#include "sdes/kam_statecache.h"

MODULE_VERSION

/* ---- statistics (kamcmd stats.get_statistics sdes:) ---- */
static stat_export_t mod_stats[] = {
    {"calls_encrypted", 0, &sdes_kam_st.encrypted},
    {"calls_decrypted", 0, &sdes_kam_st.decrypted},
    {"calls_rekeyed", 0, &sdes_kam_st.rekeyed},
    {"offers_rejected", 0, &sdes_kam_st.rejected},
    {"relay_errors", 0, &sdes_kam_st.relay_errors},
    {"bad_sdp", 0, &sdes_kam_st.bad_sdp},
    {"not_available", 0, &sdes_kam_st.unavailable},
    {"sdp_neutered", 0, &sdes_kam_st.neutered},
    {"active_calls", STAT_NO_RESET, &sdes_kam_st.active},
    {0, 0, 0},
};

/* ---- cfg functions ---- */
static int w_sdes_offer(sip_msg_t *msg, char *flags, char *p2);
static int w_sdes_answer(sip_msg_t *msg, char *flags, char *p2);
static int w_sdes_delete(sip_msg_t *msg, char *flags, char *p2);
static int w_sdes_check(sip_msg_t *msg, char *policy, char *p2);
static int w_sdes_rekey(sip_msg_t *msg, char *flags, char *p2);
static int w_sdes_ack(sip_msg_t *msg, char *p1, char *p2);

#define FIX sdes_kam_fixup_flags, sdes_kam_fixup_free_flags
static cmd_export_t cmds[] = {
    {"sdes_offer", (cmd_function)w_sdes_offer, 0, 0, 0, ANY_ROUTE},
    {"sdes_offer", (cmd_function)w_sdes_offer, 1, FIX, ANY_ROUTE},
    {"sdes_answer", (cmd_function)w_sdes_answer, 0, 0, 0, ANY_ROUTE},
    {"sdes_answer", (cmd_function)w_sdes_answer, 1, FIX, ANY_ROUTE},
    {"sdes_delete", (cmd_function)w_sdes_delete, 0, 0, 0, ANY_ROUTE},
    {"sdes_delete", (cmd_function)w_sdes_delete, 1, FIX, ANY_ROUTE},
    {"sdes_check", (cmd_function)w_sdes_check, 0, 0, 0, ANY_ROUTE},
    {"sdes_check", (cmd_function)w_sdes_check, 1, FIX, ANY_ROUTE},
    {"sdes_rekey", (cmd_function)w_sdes_rekey, 0, 0, 0, ANY_ROUTE},
    {"sdes_rekey", (cmd_function)w_sdes_rekey, 1, FIX, ANY_ROUTE},
    {"sdes_ack", (cmd_function)w_sdes_ack, 0, 0, 0, REQUEST_ROUTE},
    {0, 0, 0, 0, 0, 0},
};

/* ---- parameters (kam_params.c) ---- */
#define PSTR (PARAM_STRING | PARAM_USE_FUNC)
#define PINT (PARAM_INT | PARAM_USE_FUNC)
static param_export_t params[] = {
    {"relay", PSTR, (void *)sdes_kam_params_relay},
    {"secret", PSTR, (void *)sdes_kam_params_secret_set},
    {"secret_file", PSTR, (void *)sdes_kam_params_secret_file_set},
    {"timeout_ms", PINT, (void *)sdes_kam_params_timeout_ms_set},
    {"retries", PINT, (void *)sdes_kam_params_retries_set},
    {"ping_interval", PINT, (void *)sdes_kam_params_ping_interval_set},
    {"default_mode", PSTR, (void *)sdes_kam_params_default_mode_set},
    {"default_policy", PSTR, (void *)sdes_kam_params_default_policy_set},
    {"default_suites", PSTR, (void *)sdes_kam_params_default_suites_set},
    {"default_flags", PSTR, (void *)sdes_kam_params_default_flags_set},
    {"switch_after_ms", PINT, (void *)sdes_kam_params_switch_after_ms_set},
    {"state_cache", PINT, (void *)sdes_kam_params_state_cache_set},
    {"event_interval_ms", PINT, (void *)sdes_kam_params_event_interval_ms_set},
    {"event_callback", PSTR, (void *)sdes_kam_params_event_callback_set},
    {"default_directions", PSTR, (void *)sdes_kam_iface_param},
    {0, 0, 0},
};

/* ---- RPC (kam_rpc.c, kam_relay.c, kam_stats.c) ---- */
static void rpc_relays(rpc_t *rpc, void *ctx)
{
    sdes_kam_relay_rpc_list(rpc, ctx);
}

static void rpc_stats(rpc_t *rpc, void *ctx)
{
    sdes_kam_stats_rpc(rpc, ctx, mod_stats);
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
    {"sdes.rekey", sdes_kam_rpc_rekey, rpc_rekey_doc, 0},
    {"sdes.list", rpc_list, rpc_list_doc, RET_ARRAY},
    {"sdes.relay_disable", sdes_kam_rpc_relay_disable, sdes_kam_rpc_relay_disable_doc, 0},
    {"sdes.relay_enable", sdes_kam_rpc_relay_enable, sdes_kam_rpc_relay_enable_doc, 0},
    {"sdes.relay_list", sdes_kam_rpc_relay_list, sdes_kam_rpc_relay_list_doc, RET_ARRAY},
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

static int mod_init(void)
{
    char buf[256];

    sdes_kam_run_warn_debug_at_start();
    if (sdes_kam_params_init() < 0)
        return -1;
    if (sdes_kam_ack_init(sdes_kam_p.switch_after_ms) < 0 ||
        sdes_kam_statecache_init(sdes_kam_p.state_cache) < 0)
        return -1;
    if (sdes_kam_relay_init(sdes_kam_params_secret(), sdes_kam_p.timeout_ms, sdes_kam_p.retries) <
        0)
        return -1;
    if (sdes_kam_relay_count() > 0)
        register_basic_timers(1);   /* the relay ping process */
    if (sdes_kam_events_init() < 0) /* event_route[sdes:...] (kam_events.h) */
        return -1;
    if (register_module_stats(exports.name, mod_stats) != 0) {
        LM_ERR("cannot register statistics\n");
        return -1;
    }
    sdes_call_flags_format(&sdes_kam_defaults, buf, sizeof(buf));
    LM_INFO("sdes: defaults %s; %d relay(s), pinged every %ds\n", buf, sdes_kam_relay_count(),
            sdes_kam_p.ping_interval);
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
    if (sdes_kam_events_child_init(rank) < 0) /* the events process (kam_events.h) */
        return -1;
    if (rank != PROC_MAIN || sdes_kam_relay_count() == 0)
        return 0;
    if (fork_basic_timer(PROC_TIMER, "SDES RELAY PING", 1, ping_timer, NULL,
                         sdes_kam_p.ping_interval) < 0) {
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

/* ---- cfg wrappers: the fixed-up flags parameter to sdes_kam_run ---- */

static int w_sdes_offer(sip_msg_t *msg, char *flags, char *p2)
{
    (void)p2;
    return sdes_kam_run_w(msg, SDES_OP_OFFER, flags);
}

static int w_sdes_answer(sip_msg_t *msg, char *flags, char *p2)
{
    (void)p2;
    return sdes_kam_run_w(msg, SDES_OP_ANSWER, flags);
}

static int w_sdes_delete(sip_msg_t *msg, char *flags, char *p2)
{
    (void)p2;
    return sdes_kam_run_w(msg, SDES_OP_DELETE, flags);
}

static int w_sdes_check(sip_msg_t *msg, char *policy, char *p2)
{
    (void)p2;
    return sdes_kam_run_w(msg, SDES_OP_CHECK, policy);
}

static int w_sdes_rekey(sip_msg_t *msg, char *flags, char *p2)
{
    (void)p2;
    return sdes_kam_run_w(msg, SDES_OP_REKEY, flags);
}

static int w_sdes_ack(sip_msg_t *msg, char *p1, char *p2)
{
    (void)p1;
    (void)p2;
    return sdes_kam_run_ack(msg);
}

/* ---- KEMI: KSR.sdes.sdes_offer(), KSR.sdes.sdes_offer_flags("...") ... ---- */

static int ki_sdes_offer(sip_msg_t *msg)
{
    return sdes_kam_run(msg, SDES_OP_OFFER, NULL);
}
static int ki_sdes_offer_flags(sip_msg_t *msg, str *f)
{
    return sdes_kam_run(msg, SDES_OP_OFFER, f);
}
static int ki_sdes_answer(sip_msg_t *msg)
{
    return sdes_kam_run(msg, SDES_OP_ANSWER, NULL);
}
static int ki_sdes_answer_flags(sip_msg_t *msg, str *f)
{
    return sdes_kam_run(msg, SDES_OP_ANSWER, f);
}
static int ki_sdes_delete(sip_msg_t *msg)
{
    return sdes_kam_run(msg, SDES_OP_DELETE, NULL);
}
static int ki_sdes_delete_flags(sip_msg_t *msg, str *f)
{
    return sdes_kam_run(msg, SDES_OP_DELETE, f);
}
static int ki_sdes_check(sip_msg_t *msg)
{
    return sdes_kam_run(msg, SDES_OP_CHECK, NULL);
}
static int ki_sdes_check_policy(sip_msg_t *msg, str *f)
{
    return sdes_kam_run(msg, SDES_OP_CHECK, f);
}
static int ki_sdes_rekey(sip_msg_t *msg)
{
    return sdes_kam_run(msg, SDES_OP_REKEY, NULL);
}
static int ki_sdes_rekey_flags(sip_msg_t *msg, str *f)
{
    return sdes_kam_run(msg, SDES_OP_REKEY, f);
}
static int ki_sdes_ack(sip_msg_t *msg)
{
    return sdes_kam_run_ack(msg);
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
    sdes_kam_params_check_at_exit();
    return 0;
}
