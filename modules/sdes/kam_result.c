/*
 * modules/sdes/kam_result.c — the per-message outcome of sdes_* calls and
 * the $sdes(NAME) pseudo-variable that exposes it (names in kam_result.h).
 */
#include "sdes/kam_result.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/dprint.h"

#include "sdes/kam_events.h"

enum { PV_RC = 1, PV_REASON, PV_SUITE, PV_MODE };

static struct {
    unsigned int msg_id;
    int pid;
    int valid;
    int rc;
    char reason[200];
    char suite[48];
    char mode[16];
} cur;

void sdes_kam_result_begin(sip_msg_t *msg, const char *mode)
{
    cur.msg_id = msg->id;
    cur.pid = msg->pid;
    cur.valid = 1;
    cur.rc = 0;
    cur.reason[0] = '\0';
    cur.suite[0] = '\0';
    snprintf(cur.mode, sizeof(cur.mode), "%s", mode ? mode : "");
}

int sdes_kam_result_set(int rc, const char *fmt, ...)
{
    cur.rc = rc;
    cur.reason[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cur.reason, sizeof(cur.reason), fmt, ap);
        va_end(ap);
    }
    return rc;
}

void sdes_kam_result_suite(const char *suite)
{
    snprintf(cur.suite, sizeof(cur.suite), "%s", suite ? suite : "");
}

void sdes_kam_result_mode(const char *mode)
{
    snprintf(cur.mode, sizeof(cur.mode), "%s", mode ? mode : "");
}

const char *sdes_kam_result_reason(void)
{
    return cur.reason;
}

int sdes_kam_pv_parse_name(pv_spec_t *sp, str *in)
{
    int t = 0;
    if (!sp || !in || in->len <= 0)
        return -1;
    if (in->len == 2 && strncmp(in->s, "rc", 2) == 0)
        t = PV_RC;
    else if (in->len == 6 && strncmp(in->s, "reason", 6) == 0)
        t = PV_REASON;
    else if (in->len == 5 && strncmp(in->s, "suite", 5) == 0)
        t = PV_SUITE;
    else if (in->len == 4 && strncmp(in->s, "mode", 4) == 0)
        t = PV_MODE;
    else if (!(t = sdes_kam_event_pv_name(in))) {
        LM_ERR("unknown $sdes(%.*s): use rc, reason, suite, mode or, in an event route,"
               " event, call-id, from-tag, to-tag, leg, stream, relay\n",
               in->len, in->s);
        return -1;
    }
    sp->pvp.pvn.type = PV_NAME_INTSTR;
    sp->pvp.pvn.u.isname.type = 0;
    sp->pvp.pvn.u.isname.name.n = t;
    return 0;
}

static int strval(sip_msg_t *msg, pv_param_t *param, pv_value_t *res, char *s)
{
    str v;
    v.s = s;
    v.len = (int)strlen(s);
    return pv_get_strval(msg, param, res, &v);
}

int sdes_kam_pv_get(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
    if (!msg || !param)
        return -1;
    /* In event_route[sdes:...]: the event's values (kam_events.h). */
    if (sdes_kam_event_running(msg))
        return sdes_kam_event_pv_get(msg, param, res, param->pvn.u.isname.name.n,
                                     param->pvn.u.isname.name.n == PV_REASON);
    /* Only the message the result belongs to sees it. */
    if (!cur.valid || cur.msg_id != msg->id || cur.pid != msg->pid)
        return pv_get_null(msg, param, res);
    switch (param->pvn.u.isname.name.n) {
    case PV_RC:
        return pv_get_sintval(msg, param, res, cur.rc);
    case PV_REASON:
        return strval(msg, param, res, cur.reason);
    case PV_SUITE:
        return strval(msg, param, res, cur.suite);
    case PV_MODE:
        return strval(msg, param, res, cur.mode);
    default:
        return pv_get_null(msg, param, res);
    }
}
