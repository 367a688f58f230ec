/*
 * tests/unit/kam_fixture.h — what the unit tests of sdes.so's Kamailio-free
 * call logic share (kam_flags_test, kam_ctlmsg_test, kam_callstate_test;
 * tests/unit/call.mk): the flags parsed last and the parser's error text,
 * and an SRTP offer with an MKI and a lifetime.
 */
#ifndef SDESGATE_TESTS_UNIT_KAM_FIXTURE_H
#define SDESGATE_TESTS_UNIT_KAM_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <openssl/crypto.h>

#include "sdes/call/audit.h"
#include "sdes/call/bind.h"
#include "sdes/call/callstate.h"
#include "sdes/call/ctlmsg.h"
#include "sdes/call/bridge.h"
#include "sdes/call/flags.h"
#include "sdes/call/pending.h"
#include "sdes/call/relayspec.h"

/* parse(s) fills f (cfg-function flags, modules/sdes/call/flags.c); a
 * refusal's reason is in err. */
extern sdes_call_flags f;
extern char err[200];
int parse(const char *s);

/* RFC 4568 §9.1's example key (30 bytes, AES_CM_128: key||salt) with a
 * lifetime and a 4-byte MKI of value 1, as an SRTP offer from A. */
extern const char srtp_offer[];

#endif
