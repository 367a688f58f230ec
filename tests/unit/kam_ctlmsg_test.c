/*
 * tests/unit/kam_ctlmsg_test.c — unit tests of the control messages
 * sdes.so makes from the SDES engine's results (modules/sdes/call/ctlmsg.c):
 * offer streams, srtpd's ports from a reply, which key sets keep or move
 * their keys, in-place rekeys, and MKIs wider than srtpd carries. A unit
 * test (tests/unit/call.mk), also under ASan/UBSan with `make asan`;
 * shared fixtures in kam_fixture.h.
 */
#include "tests/check.h"
#include "tests/unit/kam_fixture.h"

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

int main(void)
{
    RUN(test_ctlmsg_offer_streams);
    RUN(test_ctlmsg_ports);
    RUN(test_keyset_keep_old);
    RUN(test_keyset_same);
    RUN(test_keyset_can_rekey);
    RUN(test_ctlmsg_rekey);
    RUN(test_ctlmsg_long_mki);
    return check_summary("kam_ctlmsg");
}
