/*
 * modules/sdes/kam_ack.c — sdes_ack() and the shared set of pending
 * send-key switches (see kam_ack.h; the set itself is call/pending.c).
 * Shared memory and the lock are made in mod_init, before Kamailio forks,
 * so every SIP worker sees the switches the 2xx recorded in another.
 */
#include "sdes/kam_ack.h"

#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_from.h"
#include "core/ut.h"

#include "sdes/kam_call.h"
#include "sdes/kam_relay.h"
#include "sdes/kam_result.h"

#include "ctl/bencode.h"
#include "ctl/ng.h"

static sdes_call_pending_set *set;
static gen_lock_t *set_lock;
static int switch_after;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* one clock for every process */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sdes_kam_ack_init(int switch_after_ms)
{
    switch_after = switch_after_ms;
    if (!switch_after)
        return 0;
    set = shm_malloc(sizeof(*set));
    set_lock = lock_alloc();
    if (!set || !set_lock || !lock_init(set_lock)) {
        LM_ERR("sdes: no shared memory for the pending key switches\n");
        sdes_kam_ack_destroy();
        return -1;
    }
    memset(set, 0, sizeof(*set));
    return 0;
}

void sdes_kam_ack_destroy(void)
{
    if (set_lock) {
        lock_destroy(set_lock);
        lock_dealloc(set_lock);
        set_lock = NULL;
    }
    if (set) {
        shm_free(set);
        set = NULL;
    }
}

int sdes_kam_ack_switch_after(void)
{
    return set ? switch_after : 0;
}

void sdes_kam_ack_arm(const sdes_call_pending *p)
{
    sdes_call_pending e;
    int64_t now;
    int r;
    if (!set || !p || p->n < 1)
        return;
    now = now_ms();
    e = *p;
    e.expires_ms = now + switch_after;
    lock_get(set_lock);
    r = sdes_call_pending_put(set, &e, now);
    lock_release(set_lock);
    if (r == 2)
        LM_NOTICE("sdes: pending key switch set full (%d calls): the one closest to its"
                  " deadline is left to srtpd\n",
                  SDES_CALL_PENDING_SLOTS);
    else if (r < 0)
        LM_WARN("sdes: Call-ID %.*s: pending key switch not recorded; srtpd switches after"
                " %d ms\n",
                (int)p->cid_len, p->cid, switch_after);
}

/* srtpd "rekey" with only "use": completes the switch srtpd holds for
 * (stream, leg), its retirements included (docs/protocol.md "switch-after"). */
static int send_use(const sdes_call_pending *p, const sdes_call_pswitch *sw)
{
    char req[CTL_MAX_MSG], err[200];
    const char lg[2] = {sw->leg, '\0'};
    const ctl_be_doc *doc;
    const ctl_be *root;
    ctl_benc w;
    ctl_benc_init(&w, req, sizeof(req));
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", p->cid, p->cid_len);
    ctl_benc_kv_cstr(&w, "command", "rekey");
    ctl_benc_kv_cstr(&w, "dir", "send");
    ctl_benc_kv_cstr(&w, "leg", lg);
    ctl_benc_kv_int(&w, "stream", sw->stream);
    ctl_benc_kv_int(&w, "use", sw->mki);
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w))
        return sdes_kam_result_set(SDES_RC_ERROR, "rekey request too large");
    int r = sdes_kam_relay_send(p->relay, req, w.len, &doc, &root, err, sizeof(err));
    if (r < 0)
        return sdes_kam_result_set(SDES_RC_RELAY, "relay %s did not answer the switch: %s",
                                   sdes_kam_relay_name(p->relay), err);
    if (r > 0)
        return sdes_kam_result_set(SDES_RC_ERROR, "relay %s refused the switch: %s",
                                   sdes_kam_relay_name(p->relay), err);
    return SDES_RC_OK;
}

int sdes_kam_ack_run(sip_msg_t *msg)
{
    sdes_call_pending p;
    str tag = STR_NULL;
    unsigned int cseq = 0;
    int found, rc = SDES_RC_OK;

    if (msg->first_line.type != SIP_REQUEST || msg->first_line.u.request.method_value != METHOD_ACK)
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes_ack: not an ACK");
    /* The common case, an ACK of a call with nothing pending: no lock. */
    if (!set || set->live <= 0)
        return sdes_kam_result_set(SDES_RC_NOTHING, "no key switch pending");
    if (parse_headers(msg, HDR_CALLID_F | HDR_CSEQ_F, 0) < 0 || !msg->callid || !msg->cseq ||
        parse_from_header(msg) < 0 || !msg->from)
        return sdes_kam_result_set(SDES_RC_ERROR, "ACK without Call-ID, CSeq or From");
    tag = get_from(msg)->tag_value;
    if (str2int(&get_cseq(msg)->number, &cseq) < 0)
        return sdes_kam_result_set(SDES_RC_ERROR, "ACK with a bad CSeq number");
    lock_get(set_lock);
    found = sdes_call_pending_take(set, msg->callid->body.s, (size_t)msg->callid->body.len,
                                   sdes_call_pending_hash(tag.s ? tag.s : "", (size_t)tag.len),
                                   cseq, now_ms(), &p);
    lock_release(set_lock);
    if (!found)
        return sdes_kam_result_set(SDES_RC_NOTHING, "no key switch pending");
    for (int i = 0; i < p.n; i++) {
        int r = send_use(&p, &p.sw[i]);
        if (r == SDES_RC_OK) {
            LM_INFO("sdes: Call-ID %.*s: stream %d leg %c send: switched to MKI %lld at the"
                    " re-offerer's ACK\n",
                    (int)p.cid_len, p.cid, p.sw[i].stream, p.sw[i].leg, (long long)p.sw[i].mki);
            continue;
        }
        /* srtpd's deadline still switches this one. */
        LM_WARN("sdes: Call-ID %.*s: stream %d leg %c: %s; srtpd switches by itself\n",
                (int)p.cid_len, p.cid, p.sw[i].stream, p.sw[i].leg, sdes_kam_result_reason());
        rc = r;
    }
    if (rc == SDES_RC_OK)
        sdes_kam_result_set(SDES_RC_OK, NULL);
    return rc;
}
