/*
 * tests/unit/kam_callstate_test.c — unit tests of the call's state as
 * sdes.so keeps it in srtpd: the sdes-state blob with its branches
 * (modules/sdes/call/callstate.c), the pending key switches
 * (modules/sdes/call/pending.c), the bound policy and its tighten-only
 * combination (modules/sdes/call/bind.c), and direction= per leg. A unit
 * test (tests/unit/call.mk), also under ASan/UBSan with `make asan`;
 * shared fixtures in kam_fixture.h.
 */
#include "tests/check.h"
#include "tests/unit/kam_fixture.h"

/* A version 1 blob as an older sdes.so wrote it (call/callstate.h):
 * "SK" 1 | taglen | tag | u16 offer | u16 answer [| u16 sha256 || body]. */
static size_t v1_blob(uint8_t *b, const uint8_t *st, size_t n, int with_answer, size_t cache)
{
    size_t o = 0;
    memcpy(b, "SK\x01\x01t", 5);
    o = 5;
    b[o++] = (uint8_t)(n >> 8), b[o++] = (uint8_t)n;
    memcpy(b + o, st, n), o += n;
    b[o++] = with_answer ? (uint8_t)(n >> 8) : 0, b[o++] = with_answer ? (uint8_t)n : 0;
    if (with_answer)
        memcpy(b + o, st, n), o += n;
    if (cache) {
        b[o++] = (uint8_t)(cache >> 8), b[o++] = (uint8_t)cache;
        memset(b + o, 0x5a, cache), o += cache;
    }
    return o;
}

static void test_callstate_blob(void)
{
    static sdes_state st, o2;
    static sdes_result res;
    static sdes_callstate cs, cs2;
    sdes_config cfg = {.mode = SDES_MODE_DECRYPT};
    static uint8_t blob[16384], st1[4096];
    size_t n, n1;

    sdes_state_init(&st);
    CHECK_EQ(sdes_offer(&cfg, srtp_offer, strlen(srtp_offer), NULL, 0, &st, &res), SDES_REJ_OK);
    n1 = sdes_state_pack(&st, st1, sizeof(st1));
    CHECK(n1 > 0);
    /* Two branches: the first kept with its bodies, the second relayed
     * and committed. Round trip keeps every part. */
    memset(&cs, 0, sizeof(cs));
    snprintf(cs.offerer_tag, sizeof(cs.offerer_tag), "from-tag-1");
    cs.offer = st1, cs.offer_len = n1;
    CHECK_EQ(sdes_callstate_add(&cs, "to-a"), 0);
    CHECK_EQ(sdes_callstate_add(&cs, "to-b"), 1);
    cs.br[0].state = st1, cs.br[0].state_len = n1;
    cs.br[0].in = (const uint8_t *)"answer in", cs.br[0].in_len = 9;
    cs.br[0].out = (const uint8_t *)"answer out", cs.br[0].out_len = 10;
    cs.br[1].state = st1, cs.br[1].state_len = n1;
    cs.active = 1;
    cs.committed = true;
    n = sdes_callstate_pack(&cs, blob, sizeof(blob));
    CHECK(n > 2 * n1);
    CHECK(n < 4096); /* two branches of an ordinary call: far below srtpd's 16 KiB */
    CHECK_EQ(sdes_callstate_unpack(blob, n, &cs2), 0);
    CHECK_STR_EQ(cs2.offerer_tag, "from-tag-1");
    CHECK_EQ(cs2.n_branches, 2);
    CHECK_EQ(cs2.active, 1);
    CHECK(cs2.committed);
    CHECK_STR_EQ(cs2.br[0].tag, "to-a");
    CHECK_EQ(cs2.br[0].in_len, 9);
    CHECK_MEM_EQ(cs2.br[0].out, "answer out", 10);
    CHECK(cs2.br[1].in == NULL && cs2.br[1].out == NULL);
    CHECK_EQ(cs2.offer_len, n1);
    CHECK(sdes_state_unpack(cs2.br[1].state, cs2.br[1].state_len, &o2));
    CHECK_EQ(o2.phase, 1);
    CHECK_EQ(sdes_callstate_find(&cs2, "to-b"), 1);
    CHECK_EQ(sdes_callstate_find(&cs2, "to-c"), -1);
    CHECK(!cs2.offer_from_b);
    /* The pending offer's direction (call/mirror.h: a re-offer from leg b's
     * side) round-trips in the flags byte beside `committed`. */
    cs.offer_from_b = true;
    n = sdes_callstate_pack(&cs, blob, sizeof(blob));
    CHECK_EQ(sdes_callstate_unpack(blob, n, &cs2), 0);
    CHECK(cs2.offer_from_b);
    CHECK(cs2.committed);
    cs.offer_from_b = false;
    n = sdes_callstate_pack(&cs, blob, sizeof(blob));
    /* Every truncation, a trailing byte, a wrong magic or version, an
     * active index past the branches are refused. */
    for (size_t cut = 0; cut < n; cut++)
        CHECK_EQ(sdes_callstate_unpack(blob, cut, &cs2), -1);
    blob[n] = 0;
    CHECK_EQ(sdes_callstate_unpack(blob, n + 1, &cs2), -1);
    blob[2] = 4;
    CHECK_EQ(sdes_callstate_unpack(blob, n, &cs2), -1);
    blob[2] = 3;
    /* Version 2 is version 3 without the trailing policy part: read as a
     * call with no bound policy. */
    CHECK(blob[n - 2] == 0 && blob[n - 1] == 0);
    blob[2] = 2;
    CHECK_EQ(sdes_callstate_unpack(blob, n - 2, &cs2), 0);
    CHECK_EQ(cs2.n_branches, 2);
    CHECK(cs2.policy == NULL && cs2.policy_len == 0);
    CHECK_EQ(sdes_callstate_unpack(blob, n, &cs2), -1); /* v2 has no policy part */
    blob[2] = 3;
    /* Version 3 carries the call's bound policy. */
    cs.policy = (const uint8_t *)"\x01policy", cs.policy_len = 7;
    n = sdes_callstate_pack(&cs, blob, sizeof(blob));
    CHECK_EQ(sdes_callstate_unpack(blob, n, &cs2), 0);
    CHECK_EQ(cs2.policy_len, 7);
    CHECK_MEM_EQ(cs2.policy, "\x01policy", 7);
    for (size_t cut = 0; cut < n; cut++)
        CHECK_EQ(sdes_callstate_unpack(blob, cut, &cs2), -1);
    cs.policy = NULL, cs.policy_len = 0;
    cs.active = 2;
    CHECK_EQ(sdes_callstate_pack(&cs, blob, sizeof(blob)), 0);
    cs.active = -1; /* committed needs an active branch */
    CHECK_EQ(sdes_callstate_pack(&cs, blob, sizeof(blob)), 0);
    cs.active = 1;
    CHECK_EQ(sdes_callstate_pack(&cs, blob, 20), 0); /* too small: 0 */

    /* Version 1 (one answer, no To-tag): one committed branch that stands
     * for any tag; its answer cache is not kept. */
    n = v1_blob(blob, st1, n1, 1, 40);
    CHECK_EQ(sdes_callstate_unpack(blob, n, &cs2), 0);
    CHECK_STR_EQ(cs2.offerer_tag, "t");
    CHECK_EQ(cs2.n_branches, 1);
    CHECK_EQ(cs2.active, 0);
    CHECK(cs2.committed);
    CHECK_EQ(sdes_callstate_find(&cs2, "any-to-tag"), 0);
    CHECK(cs2.br[0].in == NULL && cs2.br[0].out == NULL);
    n = v1_blob(blob, st1, n1, 0, 0); /* an offer, no answer yet */
    CHECK_EQ(sdes_callstate_unpack(blob, n, &cs2), 0);
    CHECK_EQ(cs2.n_branches, 0);
    CHECK_EQ(cs2.active, -1);
    n = v1_blob(blob, st1, n1, 1, 32); /* a cache no longer than the hash */
    CHECK_EQ(sdes_callstate_unpack(blob, n, &cs2), -1);

    sdes_result_free(&res);
    sdes_state_wipe(&st);
    sdes_state_wipe(&o2);
    OPENSSL_cleanse(blob, sizeof(blob));
    OPENSSL_cleanse(st1, sizeof(st1));
}

/* The branch list: the latest answer last, the active index follows moves
 * and removals; a full list drops its oldest branch that is not relayed. */
static void test_callstate_branches(void)
{
    static sdes_callstate cs;
    char t[8];
    memset(&cs, 0, sizeof(cs));
    cs.active = -1;
    for (int i = 0; i < SDES_CALL_MAX_BRANCHES; i++) {
        snprintf(t, sizeof(t), "t%d", i);
        CHECK_EQ(sdes_callstate_add(&cs, t), i);
    }
    cs.active = 0;
    cs.committed = true;
    /* Full: t0 is active, so t1 goes. */
    CHECK_EQ(sdes_callstate_add(&cs, "t8"), SDES_CALL_MAX_BRANCHES - 1);
    CHECK_EQ(sdes_callstate_find(&cs, "t1"), -1);
    CHECK_EQ(cs.active, 0);
    /* t0 answers again: it moves last, active with it. */
    CHECK_EQ(sdes_callstate_touch(&cs, 0), SDES_CALL_MAX_BRANCHES - 1);
    CHECK_EQ(cs.active, SDES_CALL_MAX_BRANCHES - 1);
    CHECK_STR_EQ(cs.br[cs.active].tag, "t0");
    /* Removing another branch keeps the active one; removing the active
     * one leaves none active and nothing committed. */
    sdes_callstate_remove(&cs, 0);
    CHECK_STR_EQ(cs.br[cs.active].tag, "t0");
    CHECK(cs.committed);
    sdes_callstate_remove(&cs, cs.active);
    CHECK_EQ(cs.active, -1);
    CHECK(!cs.committed);
    CHECK_EQ(cs.n_branches, SDES_CALL_MAX_BRANCHES - 2);
    CHECK_EQ(sdes_callstate_find(&cs, "t0"), -1);
    /* Tags are compared whole. */
    CHECK_EQ(sdes_callstate_find(&cs, "t"), -1);
}

/* The set of calls whose send-key switch waits for the re-offerer's ACK
 * (call/pending.h): found by Call-ID, From-tag and CSeq, once; expired
 * entries count as gone; a full set drops the entry closest to expiry. */
static sdes_call_pending mk_pending(const char *cid, const char *tag, uint32_t cseq,
                                    int64_t expires)
{
    sdes_call_pending p;
    memset(&p, 0, sizeof(p));
    p.cid_len = strlen(cid);
    memcpy(p.cid, cid, p.cid_len);
    p.tag_hash = sdes_call_pending_hash(tag, strlen(tag));
    p.cseq = cseq;
    p.relay = 1;
    p.expires_ms = expires;
    p.n = 1;
    p.sw[0].stream = 0;
    p.sw[0].leg = 'a';
    p.sw[0].mki = 5;
    return p;
}

static void test_pending_set(void)
{
    static sdes_call_pending_set set;
    sdes_call_pending p = mk_pending("c1@x", "tagA", 7, 2000), out;
    uint32_t ta = sdes_call_pending_hash("tagA", 4), tb = sdes_call_pending_hash("tagB", 4);
    memset(&set, 0, sizeof(set));
    CHECK_EQ(sdes_call_pending_take(&set, "c1@x", 4, ta, 7, 0, &out), 0); /* empty */
    CHECK_EQ(sdes_call_pending_put(&set, &p, 0), 1);
    CHECK_EQ(set.live, 1);
    /* The other side's ACK, an earlier exchange's ACK, another call: no. */
    CHECK_EQ(sdes_call_pending_take(&set, "c1@x", 4, tb, 7, 10, &out), 0);
    CHECK_EQ(sdes_call_pending_take(&set, "c1@x", 4, ta, 6, 10, &out), 0);
    CHECK_EQ(sdes_call_pending_take(&set, "c2@x", 4, ta, 7, 10, &out), 0);
    CHECK_EQ(set.live, 1);
    /* The re-offerer's ACK: once. */
    CHECK_EQ(sdes_call_pending_take(&set, "c1@x", 4, ta, 7, 10, &out), 1);
    CHECK_EQ(out.relay, 1);
    CHECK_EQ(out.n, 1);
    CHECK_EQ(out.sw[0].mki, 5);
    CHECK_EQ(out.sw[0].leg, 'a');
    CHECK_EQ(set.live, 0);
    CHECK_EQ(sdes_call_pending_take(&set, "c1@x", 4, ta, 7, 10, &out), 0);
    /* A newer rekey of the same call replaces the entry. */
    CHECK_EQ(sdes_call_pending_put(&set, &p, 0), 1);
    p.cseq = 9;
    CHECK_EQ(sdes_call_pending_put(&set, &p, 0), 1);
    CHECK_EQ(set.live, 1);
    CHECK_EQ(sdes_call_pending_take(&set, "c1@x", 4, ta, 8, 10, &out), 0);
    CHECK_EQ(sdes_call_pending_take(&set, "c1@x", 4, ta, 10, 10, &out), 1); /* later CSeq */
    /* Expired: srtpd switched by itself; the ACK finds nothing. */
    CHECK_EQ(sdes_call_pending_put(&set, &p, 0), 1);
    CHECK_EQ(sdes_call_pending_take(&set, "c1@x", 4, ta, 9, 2000, &out), 0);
    CHECK_EQ(set.live, 0);
    /* Full: every slot taken, the next put drops the one closest to expiry. */
    char cid[32];
    for (int i = 0; i < SDES_CALL_PENDING_SLOTS; i++) {
        snprintf(cid, sizeof(cid), "fill-%d", i);
        sdes_call_pending q = mk_pending(cid, "t", 1, 5000 + i);
        CHECK_EQ(sdes_call_pending_put(&set, &q, 0), 1);
    }
    CHECK_EQ(set.live, SDES_CALL_PENDING_SLOTS);
    sdes_call_pending q = mk_pending("late", "t", 1, 9000);
    CHECK_EQ(sdes_call_pending_put(&set, &q, 0), 2);
    CHECK_EQ(set.live, SDES_CALL_PENDING_SLOTS);
    uint32_t tt = sdes_call_pending_hash("t", 1);
    CHECK_EQ(sdes_call_pending_take(&set, "fill-0", 6, tt, 1, 0, &out), 0); /* dropped */
    CHECK_EQ(sdes_call_pending_take(&set, "fill-1", 6, tt, 1, 0, &out), 1);
    CHECK_EQ(sdes_call_pending_take(&set, "late", 4, tt, 1, 0, &out), 1);
    /* Expired entries make room before anything live is dropped. */
    q = mk_pending("later", "t", 1, 99999);
    CHECK_EQ(sdes_call_pending_put(&set, &q, 6000), 1);
    CHECK_EQ(sdes_call_pending_take(&set, "fill-1001", 9, tt, 1, 6000, &out), 1);
    CHECK_EQ(sdes_call_pending_take(&set, "fill-999", 8, tt, 1, 6000, &out), 0); /* expired */
    /* Bad input. */
    q.n = 0;
    CHECK_EQ(sdes_call_pending_put(&set, &q, 0), -1);
    q.n = SDES_CALL_PENDING_SW + 1;
    CHECK_EQ(sdes_call_pending_put(&set, &q, 0), -1);
    CHECK_EQ(sdes_call_pending_put(NULL, &p, 0), -1);
    CHECK_EQ(sdes_call_pending_take(&set, NULL, 0, tt, 1, 0, &out), 0);
    CHECK(sdes_call_pending_hash("", 0) != 0);
}

/* The policy bound to a call (call/bind.h): byte form round trip and
 * corruption, and the tighten-only combination with a later request. */
static void test_bind_policy(void)
{
    sdes_call_flags d, b, rq, o, u;
    uint8_t buf[SDES_CALL_BIND_MAX];
    char why[200];
    size_t n;

    /* The first offer's resolved flags: "decrypt require" over defaults. */
    CHECK_EQ(sdes_call_flags_parse("suites=AES_CM_128_HMAC_SHA1_80,AES_256_CM_HMAC_SHA1_80,"
                                   "AEAD_AES_128_GCM policy=optional mode=encrypt",
                                   strlen("suites=AES_CM_128_HMAC_SHA1_80,AES_256_CM_HMAC_SHA1_80,"
                                          "AEAD_AES_128_GCM policy=optional mode=encrypt"),
                                   &d, err, sizeof(err)),
             0);
    CHECK_EQ(parse("decrypt require"), 0);
    CHECK_EQ(f.given, SDES_CALL_F_MODE | SDES_CALL_F_POLICY);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.given, SDES_CALL_F_MODE | SDES_CALL_F_POLICY); /* defaults do not count */
    b = f;
    n = sdes_call_bind_pack(&b, buf, sizeof(buf));
    CHECK_EQ(n, 20 + 3); /* version 3: two empty interface names at the end */
    CHECK_EQ(sdes_call_bind_unpack(buf, n, &u), 0);
    CHECK_EQ(u.mode, SDES_CALL_MODE_DECRYPT);
    CHECK_EQ(u.policy, SDES_CALL_POLICY_REQUIRE);
    CHECK_EQ(u.n_suites, 3);
    CHECK_EQ(u.suites[2], SG_SUITE_AEAD_AES_128_GCM);
    CHECK_EQ(u.set, b.set);
    CHECK_EQ(u.given, 0);
    for (size_t cut = 0; cut < n; cut++)
        CHECK_EQ(sdes_call_bind_unpack(buf, cut, &u), -1);
    /* mki-use is part of the bound policy: a re-offer without it keeps it. */
    {
        sdes_call_flags m = b, r0, t;
        uint8_t mb[SDES_CALL_BIND_MAX];
        m.mki_use = SDES_CALL_MKI_USE_ALWAYS;
        m.set |= SDES_CALL_F_MKI_USE;
        size_t mn = sdes_call_bind_pack(&m, mb, sizeof(mb));
        CHECK(mn > 0);
        CHECK_EQ(sdes_call_bind_unpack(mb, mn, &u), 0);
        CHECK_EQ(u.mki_use, SDES_CALL_MKI_USE_ALWAYS);
        CHECK(u.set & SDES_CALL_F_MKI_USE);
        memset(&r0, 0, sizeof(r0));
        CHECK_EQ(sdes_call_bind_tighten(&u, &r0, &t, why, sizeof(why)), 0);
        CHECK_EQ(t.mki_use, SDES_CALL_MKI_USE_ALWAYS);
        mb[mn - 4] = 9; /* no such mki-use */
        CHECK_EQ(sdes_call_bind_unpack(mb, mn, &u), -1);
    }
    /* nomki is a call property too: bound, kept by a request without it,
     * replaced by one that gives it; version 1 (no nomki byte) unpacks. */
    {
        sdes_call_flags m = b, r0, t;
        uint8_t mb[SDES_CALL_BIND_MAX];
        m.nomki = SDES_CALL_NOMKI_KEEP;
        m.set |= SDES_CALL_F_NOMKI;
        size_t mn = sdes_call_bind_pack(&m, mb, sizeof(mb));
        CHECK(mn > 0);
        CHECK_EQ(mb[mn - 3], SDES_CALL_NOMKI_KEEP);
        CHECK_EQ(sdes_call_bind_unpack(mb, mn, &u), 0);
        CHECK_EQ(u.nomki, SDES_CALL_NOMKI_KEEP);
        CHECK(u.set & SDES_CALL_F_NOMKI);
        memset(&r0, 0, sizeof(r0));
        CHECK_EQ(sdes_call_bind_tighten(&u, &r0, &t, why, sizeof(why)), 0);
        CHECK_EQ(t.nomki, SDES_CALL_NOMKI_KEEP);
        CHECK_EQ(sdes_call_flags_parse("mki=1", 5, &r0, err, sizeof(err)), 0);
        CHECK_EQ(sdes_call_bind_tighten(&u, &r0, &t, why, sizeof(why)), 0);
        CHECK_EQ(t.nomki, SDES_CALL_NOMKI_KEEP); /* sdes_rekey("mki=1") keeps it */
        CHECK_EQ(sdes_call_flags_parse("nomki=change", 12, &r0, err, sizeof(err)), 0);
        CHECK_EQ(sdes_call_bind_tighten(&u, &r0, &t, why, sizeof(why)), 0);
        CHECK_EQ(t.nomki, SDES_CALL_NOMKI_CHANGE);
        mb[mn - 3] = 3; /* no such nomki */
        CHECK_EQ(sdes_call_bind_unpack(mb, mn, &u), -1);
        mb[mn - 3] = SDES_CALL_NOMKI_KEEP;
        mb[0] = 2; /* version 2: no interfaces */
        CHECK_EQ(sdes_call_bind_unpack(mb, mn - 2, &u), 0);
        CHECK_EQ(u.nomki, SDES_CALL_NOMKI_KEEP);
        CHECK(!(u.set & SDES_CALL_F_DIRECTION));
        mb[0] = 1; /* version 1: three bytes shorter, no nomki */
        CHECK_EQ(sdes_call_bind_unpack(mb, mn - 3, &u), 0);
        CHECK(!(u.set & SDES_CALL_F_NOMKI));
        CHECK_EQ(sdes_call_bind_unpack(mb, mn, &u), -1);
    }
    CHECK_EQ(sdes_call_bind_pack(&b, buf, n - 1), 0);
    n = sdes_call_bind_pack(&b, buf, sizeof(buf));
    buf[0] = 4; /* version */
    CHECK_EQ(sdes_call_bind_unpack(buf, n, &u), -1);
    buf[0] = 3, buf[3] = 9; /* policy level */
    CHECK_EQ(sdes_call_bind_unpack(buf, n, &u), -1);
    buf[3] = SDES_CALL_POLICY_REQUIRE, buf[5] = 200; /* suite id */
    CHECK_EQ(sdes_call_bind_unpack(buf, n, &u), -1);
    buf[5] = buf[6]; /* a suite twice */
    CHECK_EQ(sdes_call_bind_unpack(buf, n, &u), -1);

    /* A later sdes_offer() with no flags (defaults: optional, encrypt):
     * nothing given, the bound policy stands as it was. */
    CHECK_EQ(parse(""), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(sdes_call_bind_tighten(&b, &f, &o, why, sizeof(why)), 0);
    CHECK_EQ(o.policy, SDES_CALL_POLICY_REQUIRE);
    CHECK_EQ(o.mode, SDES_CALL_MODE_DECRYPT);
    CHECK_EQ(o.n_suites, 3);
    CHECK(sdes_call_bind_is_looser(&b, &f)); /* the defaults alone would loosen */
    /* Naming a weaker level or another mode changes nothing. */
    CHECK_EQ(parse("optional passthrough"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(sdes_call_bind_tighten(&b, &f, &o, why, sizeof(why)), 0);
    CHECK_EQ(o.policy, SDES_CALL_POLICY_REQUIRE);
    CHECK_EQ(o.mode, SDES_CALL_MODE_DECRYPT);
    /* Tightening: a stricter level, fewer suites (the bound order kept),
     * a shorter lifetime, the key-making items taken as given. */
    CHECK_EQ(parse("strong suites=AEAD_AES_128_GCM,AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32 "
                   "lifetime=2^20 mki=2 keys=2 roc=reset"),
             0);
    rq = f;
    CHECK_EQ(sdes_call_bind_tighten(&b, &rq, &o, why, sizeof(why)), 0);
    CHECK_EQ(o.policy, SDES_CALL_POLICY_STRONG);
    CHECK_EQ(o.n_suites, 2);
    CHECK_EQ(o.suites[0], SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    CHECK_EQ(o.suites[1], SG_SUITE_AEAD_AES_128_GCM);
    CHECK_EQ(o.lifetime, UINT64_C(1) << 20);
    CHECK_EQ(o.mki_len, 2);
    CHECK_EQ(o.keys, 2);
    CHECK_EQ(o.roc, SDES_CALL_ROC_RESET);
    CHECK(!sdes_call_bind_is_looser(&b, &o));
    /* ... and once tightened, a longer lifetime does not loosen it back. */
    b = o;
    CHECK_EQ(parse("lifetime=2^31"), 0);
    CHECK_EQ(sdes_call_bind_tighten(&b, &f, &o, why, sizeof(why)), 0);
    CHECK_EQ(o.lifetime, UINT64_C(1) << 20);
    CHECK(sdes_call_bind_is_looser(&b, &f));
    /* No suite in common: refused with a reason. */
    CHECK_EQ(parse("suites=AES_CM_128_HMAC_SHA1_32"), 0);
    CHECK_EQ(sdes_call_bind_tighten(&b, &f, &o, why, sizeof(why)), -1);
    CHECK(strstr(why, "no suite") != NULL);
    /* policy-loosen and in-dialog are per-request words, never stored. */
    CHECK_EQ(parse("policy-loosen optional in-dialog"), 0);
    CHECK(f.set & SDES_CALL_F_LOOSEN);
    CHECK(f.set & SDES_CALL_F_INDIALOG);
    CHECK_EQ(parse("policy-loosen policy-loosen"), -1);
    CHECK_EQ(parse("in-dialog"), 0);
    f.set |= SDES_CALL_F_LOOSEN;
    n = sdes_call_bind_pack(&f, buf, sizeof(buf));
    CHECK_EQ(sdes_call_bind_unpack(buf, n, &u), 0);
    CHECK(!(u.set & (SDES_CALL_F_LOOSEN | SDES_CALL_F_INDIALOG)));
}

/* direction=: two names (the offerer's side first), bound per srtpd leg
 * with the call's policy (version 3), kept by every later request and by
 * policy-loosen; sent per leg in the offer request. */
static void test_directions(void)
{
    sdes_call_flags b, r0, t, u;
    uint8_t buf[SDES_CALL_BIND_MAX];
    char why[200], fmt[256];

    CHECK_EQ(parse("direction=internal direction=external encrypt"), 0);
    CHECK(f.set & SDES_CALL_F_DIRECTION);
    CHECK_STR_EQ(f.direction[0], "internal");
    CHECK_STR_EQ(f.direction[1], "external");
    sdes_call_flags_format(&f, fmt, sizeof(fmt));
    CHECK_MSG(strstr(fmt, "direction=internal direction=external"), "%s", fmt);
    CHECK_EQ(parse("direction=internal"), -1);
    CHECK_MSG(strstr(err, "two names"), "%s", err);
    CHECK_EQ(parse("direction=a direction=b direction=c"), -1);
    CHECK_EQ(parse("direction="), -1);
    CHECK_EQ(parse("direction=in/ternal direction=x"), -1);
    CHECK_EQ(parse("direction=0123456789012345678901234567890123 direction=x"), -1);
    CHECK_EQ(parse("ice=keep ice=strip"), -1);
    CHECK_EQ(parse("ice=maybe"), -1);
    CHECK_EQ(parse("ice=keep"), 0);
    CHECK(f.keep_ice && (f.set & SDES_CALL_F_ICE));
    /* Defaults (the default_directions modparam) fill a string without. */
    CHECK_EQ(sdes_call_flags_parse("direction=lan direction=wan", 27, &u, err, sizeof(err)), 0);
    CHECK_EQ(parse("encrypt"), 0);
    sdes_call_flags_apply_defaults(&f, &u);
    CHECK_STR_EQ(f.direction[0], "lan");
    CHECK_STR_EQ(f.direction[1], "wan");
    CHECK(!(f.given & SDES_CALL_F_DIRECTION));
    CHECK_EQ(parse("direction=x direction=y"), 0);
    sdes_call_flags_apply_defaults(&f, &u);
    CHECK_STR_EQ(f.direction[0], "x");
    /* Bound: packed and unpacked, kept by a request naming others. */
    CHECK_EQ(parse("decrypt direction=external direction=internal"), 0);
    b = f;
    size_t n = sdes_call_bind_pack(&b, buf, sizeof(buf));
    CHECK(n > 0);
    CHECK_EQ(sdes_call_bind_unpack(buf, n, &u), 0);
    CHECK(u.set & SDES_CALL_F_DIRECTION);
    CHECK_STR_EQ(u.direction[0], "external");
    CHECK_STR_EQ(u.direction[1], "internal");
    CHECK(sdes_call_bind_two_networks(&u));
    {
        sdes_call_flags same;
        CHECK_EQ(sdes_call_flags_parse("direction=ext direction=ext", 27, &same, err, sizeof(err)),
                 0);
        CHECK(!sdes_call_bind_two_networks(&same)); /* one network: streams pass as before */
        CHECK_EQ(sdes_call_flags_parse("", 0, &same, err, sizeof(err)), 0);
        CHECK(!sdes_call_bind_two_networks(&same));
    }
    CHECK_EQ(
        sdes_call_flags_parse("direction=internal direction=external", 37, &r0, err, sizeof(err)),
        0);
    CHECK_EQ(sdes_call_bind_tighten(&u, &r0, &t, why, sizeof(why)), 0);
    CHECK_STR_EQ(t.direction[0], "external"); /* a re-offer never moves a leg */
    CHECK_STR_EQ(t.direction[1], "internal");
    t = r0;
    sdes_call_bind_keep_directions(&t, &u); /* policy-loosen */
    CHECK_STR_EQ(t.direction[0], "external");
    /* A bound call without interfaces stays without. */
    sdes_call_flags none = u;
    memset(none.direction, 0, sizeof(none.direction));
    none.set &= ~SDES_CALL_F_DIRECTION;
    t = r0;
    sdes_call_bind_keep_directions(&t, &none);
    CHECK(!(t.set & SDES_CALL_F_DIRECTION) && !t.direction[0][0]);
    /* Malformed interface bytes are refused. */
    for (size_t cut = 1; cut < n; cut++)
        CHECK_EQ(sdes_call_bind_unpack(buf, cut, &u), -1);
    buf[n - 1] = ' '; /* a name byte that is not allowed */
    CHECK_EQ(sdes_call_bind_unpack(buf, n, &u), -1);
    /* The offer request names each srtpd leg's interface; swapped for a
     * re-offer from leg b's side, the names stay on their srtpd legs. */
    {
        static sdes_state st;
        static sdes_result res;
        static ctl_be_doc doc;
        sdes_config cfg = {.mode = SDES_MODE_DECRYPT};
        char req[4096];
        ctl_benc w;
        sdes_state_init(&st);
        CHECK_EQ(sdes_offer(&cfg, srtp_offer, strlen(srtp_offer), NULL, 0, &st, &res), SDES_REJ_OK);
        for (int swap = 0; swap < 2; swap++) {
            ctl_benc_init(&w, req, sizeof(req));
            ctl_benc_dict(&w);
            CHECK_EQ(sdes_call_msg_streams_if(&w, &res, &st,
                                              SDES_CALL_MSG_A_PEER | SDES_CALL_MSG_B_TRANSPORT |
                                                  (swap ? SDES_CALL_MSG_SWAP : 0),
                                              "external", "internal"),
                     1);
            ctl_benc_end(&w);
            const ctl_be *root = ctl_be_decode(&doc, req, w.len);
            CHECK(root);
            const ctl_be *s0 = ctl_be_first(&doc, ctl_be_get(&doc, root, "streams"));
            const ctl_be *a = ctl_be_get(&doc, s0, "a"), *bb = ctl_be_get(&doc, s0, "b");
            CHECK(ctl_be_str_eq(ctl_be_get(&doc, a, "interface"), "external"));
            CHECK(ctl_be_str_eq(ctl_be_get(&doc, bb, "interface"), "internal"));
            /* the offerer's address goes to its srtpd leg */
            CHECK(ctl_be_get(&doc, swap ? bb : a, "address") != NULL);
        }
        ctl_benc_init(&w, req, sizeof(req));
        ctl_benc_dict(&w);
        CHECK_EQ(sdes_call_msg_streams(&w, &res, &st, SDES_CALL_MSG_A_PEER), 1);
        ctl_benc_end(&w);
        const ctl_be *root = ctl_be_decode(&doc, req, w.len);
        const ctl_be *s0 = ctl_be_first(&doc, ctl_be_get(&doc, root, "streams"));
        CHECK(ctl_be_get(&doc, ctl_be_get(&doc, s0, "a"), "interface") == NULL);
        sdes_result_free(&res);
        sdes_state_wipe(&st);
    }
}

int main(void)
{
    RUN(test_callstate_blob);
    RUN(test_callstate_branches);
    RUN(test_bind_policy);
    RUN(test_directions);
    RUN(test_pending_set);
    return check_summary("kam_callstate");
}
