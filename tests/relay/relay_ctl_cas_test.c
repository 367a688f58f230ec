/*
 * tests/relay/relay_ctl_cas_test.c — srtpd's compare-and-swap on the SIP
 * side's sdes-state (docs/protocol.md "if-version"): offer/answer/update
 * carry the state together with the media in one request, the reply
 * gives the new sdes-version (unique across calls: a version of a call
 * deleted and made again does not match), and a request made from an older version
 * (two Kamailio processes racing on one call) is refused with the state
 * as it is now, nothing changed. Old requests (no if-version) still work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ng.h"

#include "tests/check.h"
#include "tests/relay/relay_peer.h"

ru_srtpd D;

/* cmd for id: sdes-state st (NULL: none), if-version ifv (< 0: none; the
 * integer as text when ifv_text), streams [{"index": 0}] when with_stream. */
static const ctl_be *req(const char *cmd, const char *id, const char *st, int64_t ifv,
                         const char *ifv_text, bool with_stream)
{
    return state_req(cmd, id, st, st ? strlen(st) : 0, ifv, ifv_text, with_stream);
}

/* The stored state and version of id. */
static bool stored(const char *id, const char *st, int64_t version)
{
    const ctl_be *r = cmd_call("state", id);
    return r && ru_ok(r) && ru_str_is(r, "sdes-state", st) && ru_int(r, "sdes-version") == version;
}

/* One round trip per step: a new call with its state (if-version 0),
 * the answer with the next state against the version the offer gave. */
static void test_offer_answer_in_one_request(void)
{
    const char *id = "cas-1@test";
    const ctl_be *r = cmd_call("ping", NULL); /* says it understands if-version */
    CHECK(r && ru_str_is(r, "result", "pong") && ru_int(r, "if-version") == 1);
    r = req("offer", id, "state-after-offer", 0, NULL, true);
    CHECK(r && ru_ok(r));
    int64_t v1 = ru_int(r, "sdes-version");
    CHECK(v1 > 0);
    int64_t a_port = ru_int(r, "streams.0.a.port");
    CHECK(a_port > 0);
    CHECK(stored(id, "state-after-offer", v1));
    r = req("answer", id, "state-after-answer", v1, NULL, true);
    CHECK(r && ru_ok(r));
    int64_t v2 = ru_int(r, "sdes-version");
    CHECK(v2 > 0 && v2 != v1);
    CHECK(stored(id, "state-after-answer", v2));
    /* update with only the state, conditional too. */
    r = req("update", id, "state-after-update", v2, NULL, false);
    CHECK(r && ru_ok(r));
    int64_t v3 = ru_int(r, "sdes-version");
    CHECK(v3 > 0 && v3 != v2 && v3 != v1);
    CHECK_EQ(ru_int(r, "streams.0.a.port"), a_port);
    CHECK(stored(id, "state-after-update", v3));
    /* The old version of the same call no longer matches. */
    r = req("update", id, "late", v2, NULL, false);
    CHECK(r && !ru_ok(r) && ru_int(r, "conflict") == 1);
    CHECK(stored(id, "state-after-update", v3));
    CHECK(ru_ok(cmd_call("delete", id)));
    /* The same Call-ID made again: a version of the first call does not
     * match the new one (versions are unique across calls). */
    r = req("offer", id, "again", 0, NULL, true);
    CHECK(r && ru_ok(r));
    CHECK(ru_int(r, "sdes-version") != v1 && ru_int(r, "sdes-version") != v3);
    r = req("update", id, "stale", v1, NULL, false);
    CHECK(r && !ru_ok(r) && ru_int(r, "conflict") == 1);
    CHECK(ru_ok(cmd_call("delete", id)));
}

/* Two processes race: both read version 1 and send a request made from
 * it. srtpd runs one control request at a time; the first applies, the
 * second is refused with the first one's state, version and streams, so
 * its sender can run again against them without a "state" fetch. */
static void test_race_defined_outcome(void)
{
    const char *id = "cas-race@test";
    const ctl_be *r = req("offer", id, "offer-state", 0, NULL, true);
    CHECK(r && ru_ok(r));
    int64_t v1 = ru_int(r, "sdes-version");
    int64_t a_port = ru_int(r, "streams.0.a.port");
    /* Two new offers for the same new call: the second finds it. */
    r = req("offer", id, "second-offer-state", 0, NULL, true);
    CHECK(r && !ru_ok(r));
    CHECK(ru_str_is(r, "error-reason", "sdes-state changed"));
    CHECK_EQ(ru_int(r, "conflict"), 1);
    CHECK(ru_str_is(r, "sdes-state", "offer-state"));
    CHECK_EQ(ru_int(r, "sdes-version"), v1);
    CHECK_EQ(ru_int(r, "streams.0.a.port"), a_port);
    /* Two answers made from v1. */
    r = req("answer", id, "answer-from-process-1", v1, NULL, true);
    CHECK(r && ru_ok(r));
    int64_t v2 = ru_int(r, "sdes-version");
    r = req("answer", id, "answer-from-process-2", v1, NULL, true);
    CHECK(r && !ru_ok(r));
    CHECK_EQ(ru_int(r, "conflict"), 1);
    CHECK(ru_str_is(r, "sdes-state", "answer-from-process-1"));
    CHECK_EQ(ru_int(r, "sdes-version"), v2);
    CHECK(stored(id, "answer-from-process-1", v2));
    /* The loser runs again against v2 and gets through. */
    r = req("answer", id, "answer-from-process-2", v2, NULL, true);
    CHECK(r && ru_ok(r));
    CHECK(stored(id, "answer-from-process-2", ru_int(r, "sdes-version")));
    CHECK(ru_ok(cmd_call("delete", id)));
}

/* Bad if-version values and a refused request change nothing; an
 * unknown call stays unknown; old requests (no if-version) still work
 * and count as a version. */
static void test_errors_and_old_requests(void)
{
    const char *id = "cas-err@test";
    const ctl_be *r = req("offer", id, "v1", -1, NULL, true); /* old form */
    CHECK(r && ru_ok(r));
    int64_t v1 = ru_int(r, "sdes-version");
    CHECK(v1 > 0);
    r = req("update", id, "bad", -1, "1", false);
    CHECK(ru_str_is(r, "error-reason", "if-version: want an integer >= 0"));
    char neg[256];
    int n = snprintf(neg, sizeof(neg),
                     "d7:call-id%zu:%s7:command6:update10:if-versioni-1e10:sdes-state3:bade",
                     strlen(id), id);
    r = ru_call(&D, neg, (size_t)n);
    CHECK(ru_str_is(r, "error-reason", "if-version: want an integer >= 0"));
    CHECK(stored(id, "v1", v1));
    /* Matching version but a bad stream: refused, state and version kept. */
    n = snprintf(neg, sizeof(neg),
                 "d7:call-id%zu:%s7:command6:update10:if-versioni%llde10:sdes-state3:bad"
                 "7:streamsld5:indexi99eeee",
                 strlen(id), id, (long long)v1);
    r = ru_call(&D, neg, (size_t)n);
    CHECK(r && !ru_ok(r) && !ctl_be_get(&ru_doc, r, "conflict"));
    CHECK(stored(id, "v1", v1));
    /* Old form: unconditional, still a new version. */
    r = req("update", id, "v2", -1, NULL, false);
    CHECK(r && ru_ok(r));
    int64_t v2 = ru_int(r, "sdes-version");
    CHECK(v2 != v1 && stored(id, "v2", v2));
    /* A request without sdes-state keeps state and version. */
    r = req("update", id, NULL, v2, NULL, true);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "sdes-version"), v2);
    /* Unknown calls: an answer says so; a conditional offer for a
     * version of a call that does not exist is a conflict without state. */
    r = req("answer", "cas-unknown@test", "x", v2, NULL, true);
    CHECK(ru_str_is(r, "error-reason", "unknown call-id"));
    r = req("offer", "cas-unknown@test", "x", v2, NULL, true);
    CHECK(ru_str_is(r, "error-reason", "unknown call-id"));
    CHECK_EQ(ru_int(r, "conflict"), 1);
    CHECK(!ctl_be_get(&ru_doc, r, "sdes-state"));
    /* A call made without any sdes-state (srtpctl, an ng client) exists:
     * a create-only offer (if-version 0) for it is a conflict too. */
    r = req("offer", "cas-nostate@test", NULL, -1, NULL, true);
    CHECK(r && ru_ok(r));
    CHECK(ru_int(r, "sdes-version") > 0);
    r = req("offer", "cas-nostate@test", "x", 0, NULL, true);
    CHECK(r && !ru_ok(r) && ru_int(r, "conflict") == 1);
    CHECK(ru_ok(cmd_call("delete", "cas-nostate@test")));
    CHECK(!ru_ok(cmd_call("state", "cas-unknown@test")));
    CHECK(ru_ok(cmd_call("delete", id)));
}

static int stop_status;
static void test_clean_exit(void)
{
    CHECK_EQ(stop_status, 0); /* srtpd exits 0 on SIGTERM */
}

int main(void)
{
    alarm(60); /* bounded: a hung srtpd fails the test instead of CI */
    if (!ru_srtpd_start(&D, NULL, NULL)) {
        fprintf(stderr, "srtpd did not start (build/srtpd missing?)\n");
        printf("relay_ctl_cas: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_offer_answer_in_one_request);
    RUN(test_race_defined_outcome);
    RUN(test_errors_and_old_requests);
    stop_status = ru_srtpd_stop(&D);
    RUN(test_clean_exit);
    return check_summary("relay_ctl_cas");
}
