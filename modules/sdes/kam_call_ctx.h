/*
 * modules/sdes/kam_call_ctx.h — internal to the call path of sdes.so
 * (kam_call.c: offers; kam_call_answer.c: answers and branch deletes): the
 * per-request call context and the steps both use — reading the call's
 * sdes-state from srtpd's "state" reply, binding the policy, the SIP
 * message's dialog tags, and the requests to srtpd (offer/answer bodies
 * aside). Not an API for the rest of the module: kam_call.h is.
 */
#ifndef SDESGATE_SDES_KAM_CALL_CTX_H
#define SDESGATE_SDES_KAM_CALL_CTX_H

#include "sdes/kam_call.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/dprint.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/ut.h"

#include "sdes/kam_ack.h"
#include "sdes/call/bind.h"
#include "sdes/kam_body.h"
#include "sdes/call/callstate.h"
#include "sdes/call/ctlmsg.h"
#include "sdes/call/bridge.h"
#include "sdes/call/mirror.h"
#include "sdes/kam_relay.h"
#include "sdes/kam_result.h"

#include "ctl/ng.h"

#define BLOB_MAX 16384 /* srtpd's sdes-state bound (docs/protocol.md) */

/* A direction whose keys change on a re-offer/re-answer, moved with srtpd's
 * "rekey" after the offer/answer request (call/ctlmsg.h). */
typedef struct call_rekey {
    int index;
    char leg;
    bool send;
    sg_roc_policy roc;
    bool defer; /* send toward a re-offerer: switch at its ACK (kam_ack.h) */
    sdes_keyset k, old;
} call_rekey;

#define MAX_REKEYS (SDES_MAX_MEDIA * 3) /* a_rx on offers; b_rx, b_tx, a_tx on answers */

/* Everything one offer or answer needs; large (engine states and results),
 * so on the heap, and wiped before it is freed: it holds keys. */
typedef struct call_ctx {
    sdes_state offer_st, answer_st, st;
    sdes_state prev; /* answer_st as the engine sees this exchange (call/mirror.h) */
    bool reverse;    /* this exchange's offer came from srtpd's leg b side */
    sdes_result res1, res2;
    sdes_relay relays[SDES_MAX_MEDIA];
    uint8_t blob[BLOB_MAX]; /* the sdes-state as read; cs points into it */
    size_t blob_len;
    sdes_callstate cs;
    uint8_t out[BLOB_MAX]; /* the sdes-state to write */
    size_t out_len;
    uint8_t offer_packed[BLOB_MAX], answer_packed[BLOB_MAX];
    uint8_t policy_packed[SDES_CALL_BIND_MAX]; /* the bound policy to write */
    char tag[SDES_CALL_TAG_MAX];               /* the offerer's tag */
    char req[CTL_MAX_MSG];
    char saved[CTL_MAX_MSG]; /* the offer, resent to the next relay on failover */
    char err[256];
    call_rekey rekeys[MAX_REKEYS];
    int n_rekeys;
    sdes_call_pending pend; /* the deferred switches of this answer */
} call_ctx;

/* A context on the heap (NULL, logged, when out of memory); freed wiped. */
call_ctx *kcall_ctx_new(void);
void kcall_ctx_free(call_ctx *c);

/* The engine's mode for the module's. */
sdes_mode kcall_engine_mode(sdes_call_mode m);
/* The tag of the party that wrote this SDP: From for a request, To for a
 * reply. */
void kcall_offerer_tag(sip_msg_t *msg, char *out, size_t cap);
/* The first negotiated (or offered) suite, for $sdes(suite). */
void kcall_note_suite(const sdes_result *r);
/* The engine's rejection as a result code with its reason. */
int kcall_engine_fail(const sdes_result *r, sdes_rej code);

/* The call's sdes-state from a "state" reply into c (c->cs, c->tag,
 * c->offer_st). */
int kcall_load_state(call_ctx *c, const ctl_be_doc *doc, const ctl_be *root);
/* The engine state after branch i's last answer into *st (empty for -1). */
int kcall_load_branch(call_ctx *c, int i, sdes_state *st);
/* The flags this exchange runs with: the call's bound policy tightened by
 * f (call/bind.h); becomes the bound policy with the next state write. */
int kcall_bind_policy(call_ctx *c, const sdes_call_flags *f, sdes_call_flags *eff, const str *cid);
/* An in-dialog request (a To-tag) or an offer the script marked so. */
int kcall_in_dialog(sip_msg_t *msg, const sdes_call_flags *f);
/* Packs c->cs into c->out (other branches' bodies dropped if too large). */
int kcall_pack_state(call_ctx *c);

/* The message's From- (to = 0) or To-tag (to = 1), "" when absent. */
void kcall_msg_tag(sip_msg_t *msg, int to, char *out, size_t cap);
/* The branch a message belongs to: its dialog tag that is not the
 * offerer's. */
void kcall_branch_tag(sip_msg_t *msg, const char *offerer, char *out, size_t cap);
/* Does this answer commit its branch (a 2xx to the INVITE, or an ACK)? */
int kcall_is_commit(sip_msg_t *msg);

/* Sends c->req (len bytes) to relay i; maps the outcome to an rc. */
int kcall_send_req(call_ctx *c, int i, size_t len, const ctl_be_doc **doc, const ctl_be **root,
                   const char *what);
/* Best effort: deletes a call created for an offer that then failed. */
void kcall_drop_call(int i, const str *cid);
/* Queues a changed direction for an in-place rekey when srtpd can do one
 * (k->srtp cleared); NULL when it stays in the offer/answer request. */
call_rekey *kcall_plan_rekey(call_ctx *c, int index, char leg, bool send, sdes_keyset *k,
                             const sdes_keyset *old, sg_roc_policy roc);
/* Sends the queued rekeys to relay i (a refused one replaces the context). */
int kcall_send_rekeys(call_ctx *c, int i, const str *cid);
/* The dialog's from-tag/to-tag for srtpd's events (kam_events.h) into a
 * request dict being written. */
void kcall_put_tags(const call_ctx *c, ctl_benc *w);
/* Sends srtpd "update" with only the new sdes-state in c->out. */
int kcall_send_state(call_ctx *c, int relay, const str *cid);

#endif
