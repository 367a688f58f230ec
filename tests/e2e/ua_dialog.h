/*
 * tests/e2e/ua_dialog.h — re-offers inside the call's dialog, for either
 * side of e2e-ua (RFC 3264 §8: either party may modify the session; RFC
 * 3261 §14 re-INVITE, RFC 3311 UPDATE): the planned re-offers this agent
 * sends (--reinvite-at, --rekey, --hold-at, --unhold-at, --update-at), and
 * the re-offers it receives from the peer (hold, a new key with the next
 * MKI, or a rejection with --reject-reoffer). The caller fills ua_dlg
 * from the 2xx (route set reversed), the callee from the INVITE (route
 * set in order, RFC 3261 §12.1.1).
 */
#ifndef SDESGATE_TESTS_E2E_UA_DIALOG_H
#define SDESGATE_TESTS_E2E_UA_DIALOG_H

#include <stddef.h>

#include <osipparser2/osip_parser.h>

typedef struct ua_dialog {
    char target[256];   /* remote target (Request-URI) */
    char routes[1024];  /* "Route: ...\r\n" lines */
    char next_host[64]; /* first hop */
    unsigned next_port;
    char local[400];  /* From of our requests, with our tag */
    char remote[400]; /* To of our requests, with the peer's tag */
    char call_id[128];
    char contact[128]; /* <sip:user@host:port> */
    unsigned cseq;     /* our last CSeq number */
} ua_dialog;

extern ua_dialog ua_dlg;

/* Plans the re-offers asked for by the options; call once media starts. */
void ua_dlg_start(void);
/* Media tick: sends a planned re-offer when its time comes, retransmits. */
void ua_dlg_tick(void);
/* A response to one of our in-dialog requests (INVITE/UPDATE): 1 when it
 * was ours and handled (ACKed, keys switched). */
int ua_dlg_response(osip_message_t *m);
/* A re-INVITE or UPDATE from the peer (or its retransmission), or the ACK
 * of one: answered, keys learnt/switched. Returns 1 when handled. */
int ua_dlg_request(osip_message_t *m);
/* After the call: 0 when every planned re-offer got its expected final
 * response (200, or --expect-reoffer-code for the first), else -1 with why. */
int ua_dlg_verdict(char *why, size_t cap);

#endif
