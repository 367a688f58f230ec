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
#include "sdes/kam_statecache.h"

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

/* Everything one offer or answer needs. Large for its caps (engine states
 * for 16 m= lines, 64 KiB requests), so it is not allocated per message:
 * each Kamailio process keeps one (kcall_ctx_new), and kcall_ctx_free
 * wipes only what this message filled (it holds keys): the used m= lines
 * of each state and result, the written bytes of each buffer, the
 * planned rekeys, and the small fields in full. The big members come
 * first; everything from `relays` on is wiped whole. */
typedef struct call_ctx {
    sdes_state offer_st, answer_st, st;
    sdes_state prev; /* answer_st as the engine sees this exchange (call/mirror.h) */
    sdes_result res1, res2;
    uint8_t blob[BLOB_MAX]; /* the sdes-state as read; cs points into it */
    uint8_t out[BLOB_MAX];  /* the sdes-state to write */
    uint8_t offer_packed[BLOB_MAX], answer_packed[BLOB_MAX];
    char req[CTL_MAX_MSG];
    char saved[CTL_MAX_MSG]; /* the offer, resent to the next relay on failover */
    call_rekey rekeys[MAX_REKEYS];
    /* wiped whole from here */
    sdes_relay relays[SDES_MAX_MEDIA];
    bool reverse;   /* this exchange's offer came from srtpd's leg b side */
    bool req_dirty; /* req holds an encoded request not yet sent (and wiped) */
    size_t blob_len, out_len;
    size_t out_hw, offer_hw, answer_hw; /* bytes of out, offer_packed, answer_packed written */
    sdes_callstate cs;
    uint8_t policy_packed[SDES_CALL_BIND_MAX]; /* the bound policy to write */
    char tag[SDES_CALL_TAG_MAX];               /* the offerer's tag */
    char err[256];
    int n_rekeys;
    sdes_call_pending pend; /* the deferred switches of this answer */
    /* The call's sdes-version as read (docs/protocol.md "if-version"):
     * every state this request writes is conditional on it; for a new
     * call 0 (create only). Unset: an older srtpd, unconditional. */
    bool have_version;
    uint64_t version;
    /* The local ports of leg a and b as the state was read (or the offer
     * reply gave them), for the answer and the state cache. */
    sdes_relay ports[2][SDES_MAX_MEDIA];
    bool ports_ok;
    bool from_cache; /* the state came from kam_statecache.h */
} call_ctx;

/* kcall_send_req's result when srtpd refused the request because the
 * call's state changed since it was read (if-version): the reply, still
 * in the relay's reply buffer, carries the state as it is now. */
#define KCALL_CONFLICT 100
/* How often an offer or answer runs again after a conflict. */
#define KCALL_MAX_TRIES 3

/* One try of an offer or answer (arg: its parameters): an rc, or
 * KCALL_CONFLICT with srtpd's refusal in *doc, *root to run again from.
 * *given: the relay whose reply holds the state to use (-1: none yet,
 * -2: the cached state failed, ask the relays). */
typedef int (*kcall_try_fn)(call_ctx *c, void *arg, const ctl_be_doc **doc, const ctl_be **root,
                            int *given);
/* Runs try_fn with a fresh context until it is not a conflict, at most
 * KCALL_MAX_TRIES times; a cached state that fails is dropped and the
 * try repeated from srtpd's (what: "offer" or "answer", for the log). */
int kcall_run(const str *cid, const char *what, kcall_try_fn try_fn, void *arg);
/* The message's new body from c->res2, the suite for $sdes(suite) and the
 * engine's notes logged (what: "offer" or "answer"). */
int kcall_put_body(call_ctx *c, sip_msg_t *msg, const str *cid, const char *what);

/* The process's context (a heap one when it is in use already); NULL,
 * logged, when out of memory. Freed wiped (see call_ctx). */
call_ctx *kcall_ctx_new(void);
void kcall_ctx_free(call_ctx *c);
/* Wipes c as kcall_ctx_free does and keeps it (and the relay's last
 * reply) for another try. */
void kcall_ctx_reset(call_ctx *c);
/* Adds "if-version" to a request when the state's version is known. */
void kcall_req_if_version(call_ctx *c, ctl_benc *w);
/* Starts a request in c->req (marks it for the wipe). */
void kcall_req_begin(call_ctx *c, ctl_benc *w);
/* Records that n bytes of a buffer of cap were written (*hw: the most
 * written; a failed pack, n = 0, may have written up to cap). */
void kcall_note_hw(size_t *hw, size_t n, size_t cap);
/* sdes_call_mirror_state into out, out's used part cleared first. */
void kcall_mirror(const sdes_state *in, sdes_state *out, sdes_mode mode);

/* The engine's mode for the module's. */
sdes_mode kcall_engine_mode(sdes_call_mode m);
/* The tag of the party that wrote this SDP: From for a request, To for a
 * reply. */
void kcall_offerer_tag(sip_msg_t *msg, char *out, size_t cap);
/* The first negotiated (or offered) suite, for $sdes(suite). */
void kcall_note_suite(const sdes_result *r);
/* The engine's rejection as a result code with its reason. */
int kcall_engine_fail(const sdes_result *r, sdes_rej code);

/* The call's sdes-state from a "state" reply (or a conflict refusal)
 * into c (c->cs, c->tag, c->offer_st, c->version, c->ports). */
int kcall_load_state(call_ctx *c, const ctl_be_doc *doc, const ctl_be *root);
/* The same from the state cache (kam_statecache.h): 1 found and loaded
 * (*relay its relay), 0 not cached, < 0 unusable (an rc). */
int kcall_load_cached(call_ctx *c, const str *cid, int *relay);
/* Both legs' local ports from a reply with "streams" into c->ports. */
void kcall_note_ports(call_ctx *c, const ctl_be_doc *doc, const ctl_be *root);
/* c->ports of srtpd's leg ('a' or 'b') into c->relays; < 0 (an rc, the
 * reason names the relay) when there are none. */
int kcall_use_ports(call_ctx *c, char leg, int relay);
/* Keeps the state just written (c->out, c->version) for the next answer. */
void kcall_cache_put(call_ctx *c, const str *cid, int relay);
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

/* Sends c->req (len bytes) to relay i; maps the outcome to an rc, or
 * KCALL_CONFLICT (see there). A reply's sdes-version becomes c->version. */
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
/* Sends srtpd "update" with only the new sdes-state in c->out; a
 * conflict is an error (SDES_RC_ERROR) here. */
int kcall_send_state(call_ctx *c, int relay, const str *cid);
/* The same, returning KCALL_CONFLICT with the conflict reply in *doc,
 * *root. */
int kcall_send_state_cas(call_ctx *c, int relay, const str *cid, const ctl_be_doc **doc,
                         const ctl_be **root);

#endif
