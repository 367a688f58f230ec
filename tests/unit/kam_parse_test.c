/*
 * tests/unit/kam_parse_test.c — unit tests of sdes.so's Kamailio-free
 * parsers: the cfg-function flag strings (modules/sdes/call/flags.c) and
 * the "relay" module parameter (modules/sdes/call/relayspec.c), and the
 * flags-to-engine bridge (modules/sdes/call/bridge.c) and the audit line
 * (modules/sdes/call/audit.c), and the control messages made from engine
 * results with the sdes-state blob (modules/sdes/call/ctlmsg.c). A unit
 * test (tests/unit/call.mk), also under ASan/UBSan with `make asan`.
 */
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
#include "tests/check.h"

static sdes_call_flags f;
static char err[200];

static int parse(const char *s)
{
    return sdes_call_flags_parse(s, strlen(s), &f, err, sizeof(err));
}

static void test_flags_full(void)
{
    char buf[256];
    CHECK_EQ(parse("mode=rekey policy=strong suites=AEAD_AES_256_GCM,AES_CM_128_HMAC_SHA1_80 "
                   "mki=4 lifetime=2^31 roc=reset"),
             0);
    CHECK_EQ(f.mode, SDES_CALL_MODE_REKEY);
    CHECK_EQ(f.policy, SDES_CALL_POLICY_STRONG);
    CHECK_EQ(f.n_suites, 2);
    CHECK_EQ(f.suites[0], SG_SUITE_AEAD_AES_256_GCM);
    CHECK_EQ(f.suites[1], SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    CHECK_EQ(f.mki_len, 4);
    CHECK_EQ(f.lifetime, UINT64_C(1) << 31);
    CHECK_EQ(f.roc, SDES_CALL_ROC_RESET);
    sdes_call_flags_format(&f, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "mode=rekey policy=strong suites=AEAD_AES_256_GCM,AES_CM_128_HMAC_SHA1_80 "
                      "mki=4 lifetime=2^31 roc=reset");
}

static void test_flags_bare_words_and_separators(void)
{
    CHECK_EQ(parse("  osrtp;require\t"), 0);
    CHECK_EQ(f.mode, SDES_CALL_MODE_OSRTP);
    CHECK_EQ(f.policy, SDES_CALL_POLICY_REQUIRE);
    CHECK_EQ(f.set, SDES_CALL_F_MODE | SDES_CALL_F_POLICY);
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(f.set, 0);
    CHECK_EQ(parse("lifetime=1000"), 0);
    CHECK_EQ(f.lifetime, 1000);
    CHECK_EQ(parse("lifetime=2^48 mki=0 passthrough"), 0);
    CHECK_EQ(f.lifetime, UINT64_C(1) << 48);
    CHECK_EQ(f.mki_len, 0);
}

/* Every rejection names what was wrong (one table, one reason each). */
static void test_flags_rejections(void)
{
    static const struct {
        const char *in, *reason;
    } bad[] = {
        {"mode=encrpyt", "unknown mode 'encrpyt'"},
        {"encrpyt", "unknown flag 'encrpyt'"},
        {"policy=lax", "unknown policy 'lax'"},
        {"colour=blue", "unknown flag 'colour'"},
        {"suites=", "empty suite list in ''"},
        {"suites=AES_CM_128_HMAC_SHA1_99", "unknown crypto suite 'AES_CM_128_HMAC_SHA1_99'"},
        {"suites=AES_CM_128_HMAC_SHA1_80,,AEAD_AES_128_GCM", "unknown crypto suite ''"},
        {"suites=AEAD_AES_128_GCM,AEAD_AES_128_GCM", "suite listed twice: 'AEAD_AES_128_GCM'"},
        {"suites=aes_cm_128_hmac_sha1_80", "unknown crypto suite 'aes_cm_128_hmac_sha1_80'"},
        {"mki=129", "MKI length must be 0..128 bytes, not '129'"},
        {"mki=-1", "MKI length must be 0..128 bytes, not '-1'"},
        {"mki=", "MKI length must be 0..128 bytes, not ''"},
        {"lifetime=2^49", "lifetime exponent must be 1..48, not '2^49'"},
        {"lifetime=2^0", "lifetime exponent must be 1..48, not '2^0'"},
        {"lifetime=0", "lifetime must be 1..2^48 packets, not '0'"},
        {"lifetime=281474976710657", "lifetime must be 1..2^48 packets, not '281474976710657'"},
        {"lifetime=99999999999999999999999",
         "lifetime must be 1..2^48 packets, not '99999999999999999999999'"},
        {"roc=maybe", "roc must be keep or reset, not 'maybe'"},
        {"encrypt decrypt", "flag given twice: 'decrypt'"},
        {"mki=1 mki=2", "flag given twice: 'mki=2'"},
        {"require policy=strong", "flag given twice: 'policy=strong'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_MSG(parse(bad[i].in) == -1, "accepted \"%s\"", bad[i].in);
        CHECK_STR_EQ(err, bad[i].reason);
    }
}

static void test_flags_control_chars_and_nul(void)
{
    CHECK_EQ(sdes_call_flags_parse("mode=encrypt\nmki=1", 19, &f, err, sizeof(err)), -1);
    CHECK_STR_EQ(err, "control character in flags at offset 12");
    /* A length that covers an embedded NUL is rejected, not cut short. */
    CHECK_EQ(sdes_call_flags_parse("encrypt\0rekey", 13, &f, err, sizeof(err)), -1);
    CHECK_EQ(sdes_call_flags_parse(NULL, 0, &f, err, sizeof(err)), 0);
    CHECK_EQ(sdes_call_flags_parse(NULL, 3, &f, err, sizeof(err)), -1);
    /* A tiny error buffer is still NUL-terminated. */
    char small[8];
    CHECK_EQ(sdes_call_flags_parse("colour=1", 8, &f, small, sizeof(small)), -1);
    CHECK_EQ(strlen(small), 7);
}

static void test_flags_defaults(void)
{
    sdes_call_flags d;
    CHECK_EQ(sdes_call_flags_parse("encrypt optional suites=AES_CM_128_HMAC_SHA1_80 mki=1", 53, &d,
                                   err, sizeof(err)),
             0);
    CHECK_EQ(parse("decrypt mki=2"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.mode, SDES_CALL_MODE_DECRYPT); /* own value wins */
    CHECK_EQ(f.mki_len, 2);
    CHECK_EQ(f.policy, SDES_CALL_POLICY_OPTIONAL); /* default fills the gap */
    CHECK_EQ(f.n_suites, 1);
    CHECK_EQ(f.suites[0], SG_SUITE_AES_CM_128_HMAC_SHA1_80);
}

static void test_flags_format_truncates(void)
{
    char buf[12];
    CHECK_EQ(parse("mode=passthrough policy=require"), 0);
    size_t n = sdes_call_flags_format(&f, buf, sizeof(buf));
    /* Cut short but terminated, and a prefix of the full text. */
    CHECK_EQ(n, strlen(buf));
    CHECK(n < sizeof(buf) && n >= 8);
    CHECK(strncmp(buf, "mode=passthrough policy=require", n) == 0);
}

static sdes_call_relay_spec r;

static int relay(const char *s)
{
    return sdes_call_relay_spec_parse(s, strlen(s), &r, err, sizeof(err));
}

static void test_relay_good(void)
{
    CHECK_EQ(relay("udp:127.0.0.1:2223"), 0);
    CHECK_EQ(r.proto, SDES_CALL_RELAY_UDP);
    CHECK_EQ(r.weight, 1);
    CHECK_EQ(r.remote, 0);
    CHECK_STR_EQ(r.text, "udp:127.0.0.1:2223");
    const struct sockaddr_in *a4 = (const struct sockaddr_in *)&r.sa;
    CHECK_EQ(ntohs(a4->sin_port), 2223);
    CHECK_EQ(r.salen, sizeof(struct sockaddr_in));

    CHECK_EQ(relay(" udp:[::1]:9=1000 "), 0);
    CHECK_EQ(r.weight, 1000);
    CHECK_EQ(r.remote, 0);
    CHECK_STR_EQ(r.text, "udp:[::1]:9");

    CHECK_EQ(relay("udp:192.0.2.7:65535=3"), 0); /* RFC 5737 documentation address */
    CHECK_EQ(r.remote, 1);
    CHECK_EQ(relay("udp:[2001:db8::1]:5000"), 0); /* RFC 3849 */
    CHECK_EQ(r.remote, 1);

    CHECK_EQ(relay("unix:/run/srtpd/ctl.sock=2"), 0);
    CHECK_EQ(r.proto, SDES_CALL_RELAY_UNIX);
    CHECK_EQ(r.weight, 2);
    CHECK_EQ(r.remote, 0);
    const struct sockaddr_un *un = (const struct sockaddr_un *)&r.sa;
    CHECK_STR_EQ(un->sun_path, "/run/srtpd/ctl.sock");

    /* A standby: never picked for a new call (weight 0), asked for calls. */
    CHECK_EQ(relay("unix:/run/srtpd/b.sock=standby"), 0);
    CHECK_EQ(r.weight, 0);
    CHECK_STR_EQ(r.text, "unix:/run/srtpd/b.sock");
}

static void test_relay_rejections(void)
{
    static const struct {
        const char *in, *reason;
    } bad[] = {
        {"tcp:127.0.0.1:1", "must start with udp: or unix:"},
        {"udp:127.0.0.1", "missing :PORT"},
        {"udp:127.0.0.1:0", "port must be 1..65535"},
        {"udp:127.0.0.1:65536", "port must be 1..65535"},
        {"udp:127.0.0.1:12a", "port must be 1..65535"},
        {"udp:localhost:2223", "not a numeric IPv4 address"},
        {"udp:::1:2223", "not a numeric IPv4 address"},
        {"udp:[::1:2223", "IPv6 form is udp:[ADDR]:PORT"},
        {"udp:[::g]:2223", "not a numeric IPv6 address"},
        {"udp:127.0.0.1:2223=0", "weight must be 1..1000 or standby"},
        {"udp:127.0.0.1:2223=1001", "weight must be 1..1000 or standby"},
        {"udp:127.0.0.1:2223=", "weight must be 1..1000 or standby"},
        {"udp:127.0.0.1:2223=standbyx", "weight must be 1..1000 or standby"},
        {"unix:relative.sock", "unix socket path must be absolute"},
        {"unix:", "must start with udp: or unix:"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_MSG(relay(bad[i].in) == -1, "accepted \"%s\"", bad[i].in);
        CHECK_MSG(strstr(err, bad[i].reason) != NULL, "\"%s\": got \"%s\", want \"%s\"", bad[i].in,
                  err, bad[i].reason);
    }
    char longpath[200] = "unix:/";
    memset(longpath + 6, 'a', 150);
    longpath[156] = '\0';
    CHECK_EQ(relay(longpath), -1);
    CHECK(strstr(err, "too long") != NULL);
}

/* Offers with RFC 5737 addresses; the key is 30 bytes of base64 text. */
#define SDP_HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
static const char sdp_plain[] = SDP_HEAD "m=audio 4000 RTP/AVP 0\r\n";
static const char sdp_80[] = SDP_HEAD
    "m=audio 4000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
static const char sdp_32[] = SDP_HEAD
    "m=audio 4000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

static void test_engine_policy_mapping(void)
{
    sdes_policy p;
    CHECK_EQ(
        parse(
            "strong suites=AEAD_AES_256_GCM,AES_CM_128_HMAC_SHA1_80 mki=2 lifetime=2^31 roc=reset"),
        0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.srtp, SDES_SRTP_REQUIRE);
    CHECK_EQ(p.min_tag_bits, 80);
    CHECK_EQ(p.min_key_bits, 128);
    CHECK(p.forbid_unencrypted && p.forbid_unauthenticated);
    CHECK_EQ(p.n_suites, 2);
    CHECK_EQ(p.suites[0], SG_SUITE_AEAD_AES_256_GCM);
    CHECK_EQ(p.gen_mki_len, 2);
    CHECK_EQ(p.gen_lifetime, UINT64_C(1) << 31);
    CHECK_EQ(p.max_lifetime, UINT64_C(1) << 31);
    CHECK_EQ(p.roc, SG_ROC_RESET);
    CHECK_EQ(parse("optional"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.srtp, SDES_SRTP_OPTIONAL);
    /* The engine generates MKIs of 0..4 bytes: a larger one is refused
     * with the engine's reason, at start-up for constant flags. */
    CHECK_EQ(parse("mki=5"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), -1);
    CHECK(err[0] != '\0');
    /* keys=N is the engine's gen-keys: N master keys per a=crypto line we
     * write, so srtpd holds the next send key (sdes.rekey without a
     * re-INVITE). Without the flag the engine keeps one. */
    CHECK_EQ(parse("mki=1 keys=2"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.gen_keys, 2);
    CHECK_EQ(parse("mki=1"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.gen_keys, 1);
    /* Several keys in one line are told apart by MKI only (RFC 4568 6.1). */
    CHECK_EQ(parse("keys=2"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), -1);
    CHECK(strstr(err, "gen-mki") != NULL);
}

static void test_flags_keys(void)
{
    sdes_call_flags d;
    char buf[256];
    CHECK_EQ(parse("keys=4 mki=1"), 0);
    CHECK_EQ(f.keys, 4);
    CHECK(f.set & SDES_CALL_F_KEYS);
    sdes_call_flags_format(&f, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "mki=1 keys=4");
    CHECK_EQ(parse("keys=0"), -1);
    CHECK_STR_EQ(err, "keys must be 1..4 per a=crypto line, not '0'");
    CHECK_EQ(parse("keys=5"), -1);
    CHECK_EQ(parse("keys=2 keys=3"), -1);
    CHECK_STR_EQ(err, "flag given twice: 'keys=3'");
    /* A default keys= from default_flags fills a call's flags that lack it. */
    CHECK_EQ(sdes_call_flags_parse("keys=2 mki=1", 12, &d, err, sizeof(err)), 0);
    CHECK_EQ(parse("rekey"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.keys, 2);
    CHECK_EQ(parse("keys=3"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.keys, 3);
}

/* mki-use=peer|always: the engine's gen-mki-use; a default fills a call
 * that lacks it; bad values and repeats are refused. */
static void test_flags_mki_use(void)
{
    sdes_call_flags d;
    sdes_policy p;
    char buf[256];
    CHECK_EQ(parse("mki=1"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.gen_mki_use, SDES_MKI_USE_PEER);
    CHECK_EQ(parse("mki=1 mki-use=always"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.gen_mki_use, SDES_MKI_USE_ALWAYS);
    sdes_call_flags_format(&f, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "mki=1 mki-use=always");
    CHECK_EQ(parse("mki-use=sometimes"), -1);
    CHECK_STR_EQ(err, "mki-use must be peer or always, not 'sometimes'");
    CHECK_EQ(parse("mki-use=peer mki-use=always"), -1);
    CHECK_EQ(sdes_call_flags_parse("mki=1 mki-use=always", 20, &d, err, sizeof(err)), 0);
    CHECK_EQ(parse("mki=1"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.mki_use, SDES_CALL_MKI_USE_ALWAYS);
    CHECK_EQ(parse("mki-use=peer"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.mki_use, SDES_CALL_MKI_USE_PEER);
}

/* nomki=change|keep: the engine's nomki; default and bad values. */
static void test_flags_nomki(void)
{
    sdes_call_flags d;
    sdes_policy p;
    char buf[256];
    CHECK_EQ(parse("mki=1"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK(!p.nomki_keep); /* change: the default */
    CHECK_EQ(parse("mki=1 nomki=keep"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK(p.nomki_keep);
    CHECK(!sdes_policy_rekey_toward(&p, 0)); /* no MKI toward it: key kept */
    CHECK(sdes_policy_rekey_toward(&p, 1));  /* an MKI peer is rekeyed */
    sdes_call_flags_format(&f, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "mki=1 nomki=keep");
    CHECK_EQ(parse("nomki=change"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK(!p.nomki_keep);
    CHECK_EQ(parse("nomki=sometimes"), -1);
    CHECK_STR_EQ(err, "nomki must be change or keep, not 'sometimes'");
    CHECK_EQ(parse("nomki=keep nomki=change"), -1);
    CHECK_EQ(sdes_call_flags_parse("nomki=keep", 10, &d, err, sizeof(err)), 0);
    CHECK_EQ(parse("mki=1"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.nomki, SDES_CALL_NOMKI_KEEP);
    CHECK_EQ(parse("nomki=change"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.nomki, SDES_CALL_NOMKI_CHANGE);
}

static void test_engine_check(void)
{
    char reason[SDES_REASON_LEN], suite[48];
    CHECK_EQ(parse("require"), 0);
    CHECK_EQ(sdes_call_engine_check(&f, sdp_plain, strlen(sdp_plain), reason, sizeof(reason), suite,
                                    sizeof(suite)),
             SDES_REJ_SRTP_REQUIRED);
    CHECK_EQ(sdes_call_engine_rc(SDES_REJ_SRTP_REQUIRED), -2);
    CHECK(strncmp(reason, "SRTP_REQUIRED", 13) == 0);
    CHECK_STR_EQ(suite, "");

    CHECK_EQ(sdes_call_engine_check(&f, sdp_80, strlen(sdp_80), reason, sizeof(reason), suite,
                                    sizeof(suite)),
             SDES_REJ_OK);
    CHECK_STR_EQ(reason, "");
    CHECK_STR_EQ(suite, "AES_CM_128_HMAC_SHA1_80");

    CHECK_EQ(parse("strong suites=AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80"), 0);
    CHECK_EQ(sdes_call_engine_check(&f, sdp_32, strlen(sdp_32), reason, sizeof(reason), suite,
                                    sizeof(suite)),
             SDES_REJ_NO_ACCEPTABLE_CRYPTO);
    CHECK(strstr(reason, "min-tag") != NULL);

    CHECK_EQ(parse("optional"), 0);
    CHECK_EQ(sdes_call_engine_check(&f, sdp_plain, strlen(sdp_plain), reason, sizeof(reason), suite,
                                    sizeof(suite)),
             SDES_REJ_OK);
    CHECK_STR_EQ(suite, "");

    static const char junk[] = "this is not SDP\r\n";
    sdes_rej code = sdes_call_engine_check(&f, junk, strlen(junk), reason, sizeof(reason), suite,
                                           sizeof(suite));
    CHECK_EQ(sdes_call_engine_rc(code), -4);
    CHECK(reason[0] != '\0');
    CHECK_EQ(sdes_call_engine_check(NULL, junk, 1, reason, sizeof(reason), suite, sizeof(suite)),
             SDES_REJ_BAD_PARAM);
}

/* srtpd's reply to "delete" (docs/protocol.md), bencoded: an SRTP leg with
 * two MKIs received and drops, a plain leg. */
static const char delete_reply[] =
    "d7:call-id2:c16:result2:ok7:streamsld1:ad5:dropsd4:authi2e6:replayi0e11:unknown-mkii1ee4:"
    "recvd4:keysld11:fingerprint8:276fadfc3:mkii1e7:mki-leni1eed11:fingerprint8:0badf00d3:mkii2e7:"
    "mki-leni1eee5:suite23:AES_CM_128_HMAC_SHA1_80e6:rtp-ini150e7:rtp-outi148e4:sendd4:keysld11:"
    "fingerprint8:111111113:mkii0e7:mki-leni0eee5:suite16:AEAD_AES_256_GCMe9:transport4:SRTPe1:bd5:"
    "dropsd4:authi0ee6:rtp-ini148e7:rtp-outi147e9:transport3:RTPe5:indexi0eeee";

static void test_audit_line(void)
{
    static ctl_be_doc doc;
    char line[512];
    const ctl_be *root = ctl_be_decode(&doc, delete_reply, strlen(delete_reply));
    CHECK(root != NULL);
    CHECK_EQ(sdes_call_audit_format(&doc, root, line, sizeof(line)), 1);
    CHECK_STR_EQ(line, "m=0 a:SRTP recv=AES_CM_128_HMAC_SHA1_80/mki1,2 send=AEAD_AES_256_GCM "
                       "in=150 out=148 drops=auth:2,unknown-mki:1 b:RTP in=148 out=147 drops=0");
    /* Cut short but terminated; no fingerprint or key text ever copied. */
    char small[20];
    sdes_call_audit_format(&doc, root, small, sizeof(small));
    CHECK_EQ(strlen(small), sizeof(small) - 1);
    CHECK(strstr(line, "276fadfc") == NULL);
    /* No streams. */
    static const char empty[] = "d6:result2:oke";
    root = ctl_be_decode(&doc, empty, strlen(empty));
    CHECK(root != NULL);
    CHECK_EQ(sdes_call_audit_format(&doc, root, line, sizeof(line)), 0);
    CHECK_STR_EQ(line, "no streams");
}

/* RFC 4568 §9.1's example key (30 bytes, AES_CM_128: key||salt) with a
 * lifetime and a 4-byte MKI of value 1, as an SRTP offer from A. */
static const char srtp_offer[] =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 49170 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n";

static void test_ctlmsg_offer_streams(void)
{
    static sdes_state st;
    static sdes_result res;
    static ctl_be_doc doc;
    sdes_config cfg = {.mode = SDES_MODE_DECRYPT};
    char buf[4096];
    ctl_benc w;
    const ctl_be *root, *streams, *s0, *a, *b, *recv, *keys, *k0;
    const char *key;
    size_t klen;
    int64_t v;
    /* base64 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz" */
    static const uint8_t want_key[30] = {'Y', 'S', '_',  '_', '_',  's', 'e',  'm', 'c', 't',
                                         'l', ' ', '(',  ')', ' ',  '{', '\t', '2', '2', '0',
                                         ';', '}', '\n', '}', '\n', 'u', 'n',  'l', 'e', 's'};

    sdes_state_init(&st);
    CHECK_EQ(sdes_offer(&cfg, srtp_offer, strlen(srtp_offer), NULL, 0, &st, &res), SDES_REJ_OK);
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    CHECK_EQ(sdes_call_msg_streams(&w, &res, &st,
                                   SDES_CALL_MSG_A_PEER | SDES_CALL_MSG_A_RECV |
                                       SDES_CALL_MSG_B_TRANSPORT),
             1);
    ctl_benc_end(&w);
    CHECK(ctl_benc_ok(&w));
    root = ctl_be_decode(&doc, buf, w.len);
    CHECK(root != NULL);
    streams = ctl_be_get(&doc, root, "streams");
    CHECK(streams && streams->type == CTL_BE_LIST && streams->len == 1);
    s0 = ctl_be_first(&doc, streams);
    CHECK(ctl_be_get_int(&doc, s0, "index", &v) && v == 0);
    a = ctl_be_get(&doc, s0, "a");
    b = ctl_be_get(&doc, s0, "b");
    CHECK(ctl_be_str_eq(ctl_be_get(&doc, a, "transport"), "SRTP"));
    CHECK(ctl_be_str_eq(ctl_be_get(&doc, a, "address"), "192.0.2.10"));
    CHECK(ctl_be_get_int(&doc, a, "port", &v) && v == 49170);
    CHECK(ctl_be_str_eq(ctl_be_get(&doc, b, "transport"), "RTP")); /* decrypt: B plain */
    CHECK(ctl_be_get(&doc, a, "send") == NULL);                    /* not asked for */
    recv = ctl_be_get(&doc, a, "recv");
    CHECK(ctl_be_str_eq(ctl_be_get(&doc, recv, "suite"), "AES_CM_128_HMAC_SHA1_80"));
    CHECK(ctl_be_get_int(&doc, recv, "mki-len", &v) && v == 4);
    keys = ctl_be_get(&doc, recv, "keys");
    CHECK(keys && keys->len == 1);
    k0 = ctl_be_first(&doc, keys);
    CHECK(ctl_be_get_str(&doc, k0, "key", &key, &klen) && klen == 30);
    CHECK_MEM_EQ(key, want_key, 30);
    CHECK(ctl_be_get_int(&doc, k0, "mki", &v) && v == 1);
    CHECK(ctl_be_get_int(&doc, k0, "lifetime", &v) && v == (1 << 20));
    sdes_result_free(&res);
    sdes_state_wipe(&st);
}

static void test_ctlmsg_ports(void)
{
    static ctl_be_doc doc;
    char buf[512];
    sdes_relay rl[4];
    ctl_benc w;
    const ctl_be *root;

    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "result", "ok");
    ctl_benc_cstr(&w, "streams");
    ctl_benc_list(&w);
    ctl_benc_dict(&w);
    ctl_benc_kv_int(&w, "index", 1);
    ctl_benc_cstr(&w, "a");
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "address", "203.0.113.5");
    ctl_benc_kv_int(&w, "port", 30000);
    ctl_benc_kv_int(&w, "rtcp-port", 30001);
    ctl_benc_end(&w);
    ctl_benc_cstr(&w, "b");
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "address", "2001:db8::5");
    ctl_benc_kv_int(&w, "port", 30002);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    ctl_benc_dict(&w); /* index beyond the caller's array: ignored */
    ctl_benc_kv_int(&w, "index", 9);
    ctl_benc_cstr(&w, "a");
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "address", "203.0.113.5");
    ctl_benc_kv_int(&w, "port", 30004);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    ctl_benc_dict(&w); /* port out of range: ignored */
    ctl_benc_kv_int(&w, "index", 2);
    ctl_benc_cstr(&w, "a");
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "address", "203.0.113.5");
    ctl_benc_kv_int(&w, "port", 70000);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    CHECK(ctl_benc_ok(&w));
    root = ctl_be_decode(&doc, buf, w.len);
    CHECK(root != NULL);
    CHECK_EQ(sdes_call_msg_ports(&doc, root, 'a', rl, 4), 2);
    CHECK_STR_EQ(rl[0].addr, "");
    CHECK_STR_EQ(rl[1].addr, "203.0.113.5");
    CHECK_EQ(rl[1].port, 30000);
    CHECK_EQ(rl[1].rtcp_port, 30001);
    CHECK_STR_EQ(rl[2].addr, "");
    CHECK_EQ(sdes_call_msg_ports(&doc, root, 'b', rl, 4), 2);
    CHECK_STR_EQ(rl[1].addr, "2001:db8::5");
    CHECK_EQ(rl[1].port, 30002);
    CHECK_EQ(rl[1].rtcp_port, 0);
    /* A reply without streams (an error reply) is refused. */
    root = ctl_be_decode(&doc, "d6:result5:errore", 17);
    CHECK(root != NULL);
    CHECK_EQ(sdes_call_msg_ports(&doc, root, 'a', rl, 4), -1);
}

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

static void mk_key(sdes_key_param *kp, uint8_t fill, uint8_t mki)
{
    memset(kp, 0, sizeof(*kp));
    memset(kp->key_salt, fill, 30);
    kp->key_salt_len = 30;
    kp->mki_len = 1;
    kp->mki[0] = mki;
}

static void test_keyset_keep_old(void)
{
    sdes_keyset k, old;
    memset(&k, 0, sizeof(k));
    memset(&old, 0, sizeof(old));
    k.srtp = old.srtp = true;
    k.suite = old.suite = SG_SUITE_AES_CM_128_HMAC_SHA1_80;
    mk_key(&k.keys[0], 0xaa, 2);
    k.n_keys = 1;
    mk_key(&old.keys[0], 0xbb, 1);
    old.n_keys = 1;
    CHECK_EQ(sdes_call_keyset_keep_old(&k, &old), 1);
    CHECK_EQ(k.n_keys, 2);
    CHECK_EQ(k.keys[0].mki[0], 2); /* the new key stays first: srtpd sends with it */
    CHECK_EQ(k.keys[1].mki[0], 1);
    CHECK_EQ(k.keys[1].key_salt[0], 0xbb);
    /* Already there (same MKI): nothing added. */
    CHECK_EQ(sdes_call_keyset_keep_old(&k, &old), 0);
    CHECK_EQ(k.n_keys, 2);
    /* Another suite, or no MKI: the old key cannot be told apart. */
    old.keys[0].mki[0] = 7;
    old.suite = SG_SUITE_AEAD_AES_128_GCM;
    CHECK_EQ(sdes_call_keyset_keep_old(&k, &old), 0);
    old.suite = k.suite;
    k.keys[0].mki_len = 0;
    CHECK_EQ(sdes_call_keyset_keep_old(&k, &old), 0);
    k.keys[0].mki_len = 1;
    /* Never more than SDES_MAX_DIR_KEYS. */
    for (uint8_t m = 10; m < 20; m++) {
        old.keys[0].mki[0] = m;
        sdes_call_keyset_keep_old(&k, &old);
    }
    CHECK_EQ(k.n_keys, SDES_MAX_DIR_KEYS);
}

static void test_keyset_same(void)
{
    sdes_keyset a, b;
    memset(&a, 0, sizeof(a));
    a.srtp = true;
    a.suite = SG_SUITE_AES_CM_128_HMAC_SHA1_80;
    mk_key(&a.keys[0], 0x11, 1);
    a.n_keys = 1;
    b = a;
    CHECK(sdes_call_keyset_same(&a, &b));
    b.keys[0].key_salt[29] ^= 1; /* last salt byte */
    CHECK(!sdes_call_keyset_same(&a, &b));
    b = a;
    b.keys[0].mki[0] = 2;
    CHECK(!sdes_call_keyset_same(&a, &b));
    b = a;
    b.keys[0].lifetime = 1u << 20;
    CHECK(!sdes_call_keyset_same(&a, &b));
    b = a;
    b.suite = SG_SUITE_AES_256_CM_HMAC_SHA1_80;
    CHECK(!sdes_call_keyset_same(&a, &b));
    b = a;
    mk_key(&b.keys[1], 0x22, 2);
    b.n_keys = 2;
    CHECK(!sdes_call_keyset_same(&a, &b));
    b = a;
    b.srtp = false;
    CHECK(!sdes_call_keyset_same(&a, &b)); /* plain is never "the same keys" */
}

/* RFC 3711 §3.3.1: a new key for a running stream must keep its ROC, so a
 * changed direction goes to srtpd as "rekey" when the context allows it. */
static void test_keyset_can_rekey(void)
{
    sdes_keyset k, old;
    memset(&k, 0, sizeof(k));
    memset(&old, 0, sizeof(old));
    k.srtp = old.srtp = true;
    k.suite = old.suite = SG_SUITE_AES_CM_128_HMAC_SHA1_80;
    mk_key(&old.keys[0], 0xbb, 1);
    old.n_keys = 1;
    mk_key(&k.keys[0], 0xaa, 2); /* a send set: new key first, the old after */
    k.keys[1] = old.keys[0];
    k.n_keys = 2;
    CHECK(sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    /* roc=reset asks for a fresh context. */
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_RESET));
    /* No new MKI: nothing to add (srtpd refuses an MKI twice). */
    k.keys[0].mki[0] = 1;
    k.n_keys = 1;
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    /* An installed MKI naming another key: the context must be replaced. */
    k.keys[1] = k.keys[0];
    k.keys[0].mki[0] = 2;
    k.n_keys = 2;
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    k.keys[1] = old.keys[0];
    CHECK(sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    /* Other suite, other MKI length, no MKI, plain, other window. */
    k.suite = SG_SUITE_AEAD_AES_128_GCM;
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    k.suite = old.suite;
    k.keys[0].mki_len = 2;
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    k.keys[0].mki_len = 1;
    old.keys[0].mki_len = k.keys[0].mki_len = k.keys[1].mki_len = 0;
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    old.keys[0].mki_len = k.keys[0].mki_len = k.keys[1].mki_len = 1;
    k.wsh = 256;
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    k.wsh = 0;
    old.srtp = false;
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
    old.srtp = true;
    /* An 8-byte MKI does not fit srtpd's integer MKI. */
    for (int i = 0; i < 2; i++)
        k.keys[i].mki_len = 8;
    old.keys[0].mki_len = 8;
    CHECK(!sdes_call_keyset_can_rekey(&k, &old, SG_ROC_KEEP));
}

static void test_ctlmsg_rekey(void)
{
    static ctl_be_doc doc;
    sdes_keyset k, old;
    char buf[2048];
    ctl_benc w;
    const ctl_be *root, *add, *ret, *k0;
    const char *key;
    size_t klen;
    int64_t v;
    char str[16];

    memset(&k, 0, sizeof(k));
    memset(&old, 0, sizeof(old));
    k.srtp = old.srtp = true;
    k.suite = old.suite = SG_SUITE_AES_CM_128_HMAC_SHA1_80;
    mk_key(&old.keys[0], 0xbb, 1);
    mk_key(&old.keys[1], 0xcc, 3);
    old.n_keys = 2;
    mk_key(&k.keys[0], 0xaa, 2);
    k.keys[1] = old.keys[0];
    k.keys[0].lifetime = 1u << 20;
    k.n_keys = 2;
    /* Send: add MKI 2, use it, retire MKI 3 (no longer listed), keep 1. */
    ctl_benc_init(&w, buf, sizeof(buf));
    CHECK_EQ(sdes_call_msg_rekey(&w, "cid", 3, 0, 'b', true, &k, &old), 0);
    root = ctl_be_decode(&doc, buf, w.len);
    CHECK(root != NULL);
    CHECK(ctl_be_get_cstr(&doc, root, "command", str, sizeof(str)));
    CHECK_STR_EQ(str, "rekey");
    CHECK(ctl_be_get_cstr(&doc, root, "leg", str, sizeof(str)));
    CHECK_STR_EQ(str, "b");
    CHECK(ctl_be_get_cstr(&doc, root, "dir", str, sizeof(str)));
    CHECK_STR_EQ(str, "send");
    CHECK(ctl_be_get_int(&doc, root, "use", &v));
    CHECK_EQ(v, 2);
    CHECK(ctl_be_get_int(&doc, root, "stream", &v));
    CHECK_EQ(v, 0);
    add = ctl_be_get(&doc, root, "add");
    CHECK(add != NULL && add->type == CTL_BE_LIST && add->len == 1);
    k0 = ctl_be_first(&doc, add);
    CHECK(ctl_be_get_int(&doc, k0, "mki", &v));
    CHECK_EQ(v, 2);
    CHECK(ctl_be_get_int(&doc, k0, "lifetime", &v));
    CHECK_EQ(v, 1 << 20);
    CHECK(ctl_be_get_str(&doc, k0, "key", &key, &klen));
    CHECK_EQ(klen, 30);
    CHECK_EQ((uint8_t)key[0], 0xaa);
    ret = ctl_be_get(&doc, root, "retire");
    CHECK(ret != NULL && ret->type == CTL_BE_LIST && ret->len == 1);
    CHECK_EQ(ctl_be_first(&doc, ret)->i, 3);
    /* Recv: only the add; the peer's old keys stay accepted. */
    ctl_benc_init(&w, buf, sizeof(buf));
    CHECK_EQ(sdes_call_msg_rekey(&w, "cid", 3, 1, 'a', false, &k, &old), 0);
    root = ctl_be_decode(&doc, buf, w.len);
    CHECK(root != NULL);
    CHECK(ctl_be_get(&doc, root, "use") == NULL);
    CHECK(ctl_be_get(&doc, root, "retire") == NULL);
    CHECK(ctl_be_get_cstr(&doc, root, "dir", str, sizeof(str)));
    CHECK_STR_EQ(str, "recv");
    /* A buffer too small: refused, never a cut request. */
    ctl_benc_init(&w, buf, 40);
    CHECK_EQ(sdes_call_msg_rekey(&w, "cid", 3, 0, 'b', true, &k, &old), -1);
    /* switch-after: the send rekey carries the delay beside its use; a
     * receive rekey never does; 0 leaves it out (switch at once). */
    ctl_benc_init(&w, buf, sizeof(buf));
    CHECK_EQ(sdes_call_msg_rekey_after(&w, "cid", 3, 0, 'a', true, &k, &old, 2000), 0);
    root = ctl_be_decode(&doc, buf, w.len);
    CHECK(root != NULL);
    CHECK(ctl_be_get_int(&doc, root, "switch-after", &v));
    CHECK_EQ(v, 2000);
    CHECK(ctl_be_get_int(&doc, root, "use", &v));
    CHECK_EQ(v, 2);
    ctl_benc_init(&w, buf, sizeof(buf));
    CHECK_EQ(sdes_call_msg_rekey_after(&w, "cid", 3, 0, 'a', false, &k, &old, 2000), 0);
    root = ctl_be_decode(&doc, buf, w.len);
    CHECK(root != NULL && ctl_be_get(&doc, root, "switch-after") == NULL);
    ctl_benc_init(&w, buf, sizeof(buf));
    CHECK_EQ(sdes_call_msg_rekey_after(&w, "cid", 3, 0, 'a', true, &k, &old, 0), 0);
    root = ctl_be_decode(&doc, buf, w.len);
    CHECK(root != NULL && ctl_be_get(&doc, root, "switch-after") == NULL);
    CHECK(sdes_call_mki_value(&k.keys[0], &v));
    CHECK_EQ(v, 2);
    /* Replace (fallback): one stream, one leg, one direction. */
    ctl_benc_init(&w, buf, sizeof(buf));
    CHECK_EQ(sdes_call_msg_replace(&w, "cid", 3, 2, 'a', false, &k, SG_ROC_KEEP), 0);
    root = ctl_be_decode(&doc, buf, w.len);
    CHECK(root != NULL);
    CHECK(ctl_be_get_cstr(&doc, root, "command", str, sizeof(str)));
    CHECK_STR_EQ(str, "update");
    OPENSSL_cleanse(buf, sizeof(buf));
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

/* RFC 4568 §6.1 allows MKIs up to 128 bytes; srtpd's control protocol
 * carries the value as an integer beside mki-len, so a long MKI with a
 * small value (|1:16) goes out, and a value that does not fit in 7 bytes
 * refuses the whole request instead of sending a wrong MKI (it once went
 * out as -1). */
static void test_ctlmsg_long_mki(void)
{
    static sdes_result res;
    char buf[2048];
    ctl_benc w;
    sdes_media_result *m;

    memset(&res, 0, sizeof(res));
    res.n_media = 1;
    m = &res.media[0];
    m->state = SDES_MEDIA_SRTP;
    m->a_rx.srtp = true;
    m->a_rx.suite = SG_SUITE_AES_CM_128_HMAC_SHA1_80;
    mk_key(&m->a_rx.keys[0], 0x11, 1);
    m->a_rx.n_keys = 1;
    m->a_rx.keys[0].mki_len = 7;
    memset(m->a_rx.keys[0].mki, 0xff, 7);
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    CHECK_EQ(sdes_call_msg_streams(&w, &res, NULL, SDES_CALL_MSG_A_RECV), 1);
    m->a_rx.keys[0].mki_len = 8; /* value 0xffffffffffffff..: does not fit */
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    CHECK_EQ(sdes_call_msg_streams(&w, &res, NULL, SDES_CALL_MSG_A_RECV), -1);
    m->a_rx.keys[0].mki_len = 128;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    CHECK_EQ(sdes_call_msg_streams(&w, &res, NULL, SDES_CALL_MSG_A_RECV), -1);

    /* 16 bytes, value 2 (|2:16): carried as mki 2, mki-len 16. */
    memset(m->a_rx.keys[0].mki, 0, 16);
    m->a_rx.keys[0].mki[15] = 2;
    m->a_rx.keys[0].mki_len = 16;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    CHECK_EQ(sdes_call_msg_streams(&w, &res, NULL, SDES_CALL_MSG_A_RECV), 1);
    ctl_benc_end(&w);
    CHECK(ctl_benc_ok(&w));
    CHECK(memmem(buf, w.len, "7:mki-leni16e", 13) != NULL);
    CHECK(memmem(buf, w.len, "3:mkii2e", 8) != NULL);
    /* 128 bytes with a non-zero byte before the last 7: refused. */
    memset(m->a_rx.keys[0].mki, 0, 128);
    m->a_rx.keys[0].mki[120] = 1;
    m->a_rx.keys[0].mki_len = 128;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    CHECK_EQ(sdes_call_msg_streams(&w, &res, NULL, SDES_CALL_MSG_A_RECV), -1);
    m->a_rx.keys[0].mki[120] = 0;
    m->a_rx.keys[0].mki[121] = 1; /* exactly 7 significant bytes: fits */
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    CHECK_EQ(sdes_call_msg_streams(&w, &res, NULL, SDES_CALL_MSG_A_RECV), 1);
    OPENSSL_cleanse(&res, sizeof(res));
    OPENSSL_cleanse(buf, sizeof(buf));
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
    RUN(test_flags_full);
    RUN(test_flags_bare_words_and_separators);
    RUN(test_flags_rejections);
    RUN(test_flags_control_chars_and_nul);
    RUN(test_flags_defaults);
    RUN(test_flags_keys);
    RUN(test_flags_mki_use);
    RUN(test_flags_nomki);
    RUN(test_flags_format_truncates);
    RUN(test_relay_good);
    RUN(test_relay_rejections);
    RUN(test_engine_policy_mapping);
    RUN(test_engine_check);
    RUN(test_audit_line);
    RUN(test_ctlmsg_offer_streams);
    RUN(test_ctlmsg_ports);
    RUN(test_callstate_blob);
    RUN(test_callstate_branches);
    RUN(test_bind_policy);
    RUN(test_directions);
    RUN(test_keyset_keep_old);
    RUN(test_keyset_same);
    RUN(test_keyset_can_rekey);
    RUN(test_ctlmsg_rekey);
    RUN(test_ctlmsg_long_mki);
    RUN(test_pending_set);
    return check_summary("kam_parse");
}
