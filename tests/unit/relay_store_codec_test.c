/*
 * tests/unit/relay_store_codec_test.c — srtpd's call record (docs/ha.md
 * "Record format"; rtp/relay/store_codec.c, store_decode.c) without Redis:
 * a record round-trips (legs, peers, parameters, marks, keys, sdes-state);
 * it holds no key byte in clear; and it fails closed — a changed byte in
 * the clear part or the sealed part, another format version, another
 * secret, a truncated record are all refused, while the previous secret
 * of a rotation still opens it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "relay/store_codec.h"
#include "relay/store_redis.h"
#include "tests/check.h"

/* A call's id is allocated with it (call.h): room for this test's. */
static union {
    relay_call c;
    char room[sizeof(relay_call) + 64];
} call_mem;
#define call (call_mem.c)
static relay_ifaces ifaces;
static relay_stream st;
static relay_rec rec;
static relay_rec_stream rs;
static relay_store_keys keys;
static char buf[RELAY_STORE_REC_MAX];
static size_t len;
static const uint8_t state[] = {'s', 0, 1, 0xff, 'k', 'e', 'y'};

static void fill_key(relay_key *k, uint8_t v)
{
    memset(k->master_key, v, sizeof(k->master_key));
    memset(k->master_salt, (uint8_t)(v ^ 0x55), sizeof(k->master_salt));
    k->mki[0] = v;
    k->lifetime = 1000u + v;
}

static void setup(void)
{
    strcpy(call.id, "codec-1@test");
    call.streams[0] = &st;
    call.rec = &rec;
    rec.st[0] = &rs;
    rec.version = 7;
    rec.epoch = 2;
    call.sdes_state = (uint8_t *)state;
    call.sdes_state_len = sizeof(state);
    for (int l = 0; l < 2; l++) {
        st.leg[l].family = AF_INET;
        st.leg[l].srtp = true;
        st.leg[l].rtp.port = (uint16_t)(30000 + 2 * l);
        st.leg[l].rtcp_mux = l == 1;
        st.leg[l].iface = l;
        st.leg[l].rtcp.fd = l == 1 ? -1 : 99; /* leg b: one port */
        st.leg[l].rtcp.port = l == 1 ? st.leg[l].rtp.port : (uint16_t)(st.leg[l].rtp.port + 1);
        relay_rec_leg *g = &rs.leg[l];
        struct sockaddr_in *a = (struct sockaddr_in *)&g->peer_rtp;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)(4000 + l));
        inet_pton(AF_INET, "192.0.2.10", &a->sin_addr);
        g->peer_rtcp = g->peer_rtp;
        ((struct sockaddr_in *)&g->peer_rtcp)->sin_port = htons((uint16_t)(4001 + l));
        g->peer_len = sizeof(*a);
        g->has_peer = true;
        for (int k = 0; k < 2; k++) {
            relay_rec_dir *d = &g->dir[k];
            d->present = true;
            d->spec.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
            d->spec.params.mki_len = 1;
            d->spec.nkeys = 2;
            fill_key(&d->spec.keys[0], (uint8_t)(0x10 + 4 * l + 2 * k));
            fill_key(&d->spec.keys[1], (uint8_t)(0x11 + 4 * l + 2 * k));
            d->spec.has_use = k == 1;
            d->spec.use_mki[0] = d->spec.keys[1].mki[0];
            d->marks[0].used = true;
            d->marks[0].now.ssrc = 0x1234u + (uint32_t)l;
            d->marks[0].now.has_srtp = true;
            d->marks[0].now.srtp_index = 70000;
            d->marks[0].now.has_srtcp = true;
            d->marks[0].now.srtcp_index = 40;
            d->marks[0].srtp_mark = k ? 70300 : 0;
            d->marks[0].srtcp_mark = k ? 120 : 0;
        }
    }
}

static void test_round_trip(void)
{
    CHECK(relay_store_keys_init(&keys, "group-secret-0123456789", 23, NULL, 0));
    ifaces.n = 2;
    snprintf(ifaces.list[0].name, sizeof(ifaces.list[0].name), "internal");
    snprintf(ifaces.list[1].name, sizeof(ifaces.list[1].name), "external");
    relay_store_codec_interfaces(&ifaces);
    len = relay_store_encode(&keys, &call, 1795000000000, buf, sizeof(buf));
    CHECK(len > 0);
    relay_call_img img;
    char why[200];
    CHECK_MSG(relay_store_decode(&keys, buf, len, &img, why, sizeof(why)), "%s", why);
    CHECK(!strcmp(img.id, call.id));
    CHECK_EQ(img.version, 7);
    CHECK_EQ(img.rec.epoch, 2);
    CHECK_EQ(img.created_unix_ms, 1795000000000);
    CHECK(img.present[0] && !img.present[1]);
    CHECK_EQ(img.leg[0][1].port, 30002);
    CHECK_EQ(img.leg[0][1].mux, 1);
    CHECK(!strcmp(img.leg[0][0].iface, "internal"));
    CHECK(!strcmp(img.leg[0][1].iface, "external"));
    CHECK_EQ(img.leg[0][0].rtcp_port, 30001); /* its own RTCP socket */
    CHECK_EQ(img.leg[0][1].rtcp_port, 0);     /* one port: rtcp-mux */
    CHECK_EQ(img.state_len, sizeof(state));
    CHECK(memcmp(img.state, state, sizeof(state)) == 0);
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < 2; k++) {
            const relay_rec_dir *a = &rs.leg[l].dir[k], *b = &img.rec.st[0]->leg[l].dir[k];
            CHECK(b->present);
            CHECK_EQ(b->spec.nkeys, 2);
            for (int i = 0; i < 2; i++) {
                CHECK(memcmp(a->spec.keys[i].master_key, b->spec.keys[i].master_key, 16) == 0);
                CHECK(memcmp(a->spec.keys[i].master_salt, b->spec.keys[i].master_salt, 14) == 0);
                CHECK_EQ(a->spec.keys[i].mki[0], b->spec.keys[i].mki[0]);
                CHECK_EQ(a->spec.keys[i].lifetime, b->spec.keys[i].lifetime);
            }
            CHECK_EQ(b->spec.has_use, k == 1);
            CHECK_EQ(b->marks[0].now.srtp_index, 70000);
            CHECK_EQ(b->marks[0].srtp_mark, k ? 70300 : 70000);
            CHECK_EQ(b->marks[0].srtcp_mark, k ? 120 : 40);
            CHECK(memcmp(&img.rec.st[0]->leg[l].peer_rtp, &rs.leg[l].peer_rtp,
                         sizeof(struct sockaddr_in)) == 0);
        }
    relay_call_img_free(&img);
}

static void test_no_key_in_clear(void)
{
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < 2; i++) {
                const relay_key *key = &rs.leg[l].dir[k].spec.keys[i];
                CHECK(!memmem(buf, len, key->master_key, 16));
                CHECK(!memmem(buf, len, key->master_salt, 14));
            }
    CHECK(!memmem(buf, len, state, sizeof(state)));
    /* The same record twice: a fresh nonce, other ciphertext. */
    static char again[RELAY_STORE_REC_MAX];
    size_t l2 = relay_store_encode(&keys, &call, 1795000000000, again, sizeof(again));
    CHECK_EQ(l2, len);
    CHECK(memcmp(again, buf, len) != 0);
}

/* Every single-byte change anywhere in the record is refused. */
static void test_tamper_refused(void)
{
    relay_call_img img;
    char why[200];
    static char t[RELAY_STORE_REC_MAX];
    size_t refused = 0;
    for (size_t i = 0; i < len; i++) {
        memcpy(t, buf, len);
        t[i] ^= 0x01;
        if (!relay_store_decode(&keys, t, len, &img, why, sizeof(why)))
            refused++;
        else
            relay_call_img_free(&img);
    }
    printf("  tamper: %zu/%zu single-bit changes refused\n", refused, len);
    CHECK_EQ(refused, len);
    CHECK(!relay_store_decode(&keys, buf, len - 1, &img, why, sizeof(why)));
}

static void test_secrets(void)
{
    relay_call_img img;
    char why[200];
    relay_store_keys other, rotating;
    CHECK(relay_store_keys_init(&other, "another-secret-0123456789", 25, NULL, 0));
    CHECK(!relay_store_decode(&other, buf, len, &img, why, sizeof(why)));
    CHECK(strstr(why, "another secret") != NULL);
    CHECK(relay_store_keys_init(&rotating, "another-secret-0123456789", 25,
                                "group-secret-0123456789", 23));
    CHECK_MSG(relay_store_decode(&rotating, buf, len, &img, why, sizeof(why)), "%s", why);
    relay_call_img_free(&img);
    /* Written under the new secret, the old one alone does not read it. */
    static char nb[RELAY_STORE_REC_MAX];
    size_t nl = relay_store_encode(&rotating, &call, 1795000000000, nb, sizeof(nb));
    CHECK(nl > 0);
    CHECK(!relay_store_decode(&keys, nb, nl, &img, why, sizeof(why)));
    relay_store_keys_wipe(&other);
    relay_store_keys_wipe(&rotating);
}

static void test_other_version_refused(void)
{
    relay_call_img img;
    char why[200];
    static char t[RELAY_STORE_REC_MAX];
    memcpy(t, buf, len);
    char *v = memmem(t, len, "1:vi1e", 6);
    CHECK(v != NULL);
    v[4] = '2';
    CHECK(!relay_store_decode(&keys, t, len, &img, why, sizeof(why)));
    CHECK(strstr(why, "format") != NULL);
}

/* The redis option's address forms (store_redis.c). */
static void test_redis_address(void)
{
    relay_redis_addr a;
    char err[200];
    CHECK(relay_redis_parse("redis://10.0.0.20:7000/3", &a, err, sizeof(err)));
    CHECK(!strcmp(a.host, "10.0.0.20") && a.port == 7000 && a.db == 3 && !a.path[0]);
    CHECK(relay_redis_parse("redis://relay@[2001:db8::7]:6380/1", &a, err, sizeof(err)));
    CHECK(!strcmp(a.host, "2001:db8::7") && a.port == 6380 && a.db == 1);
    CHECK(!strcmp(a.user, "relay"));
    CHECK(relay_redis_parse("redis://cache", &a, err, sizeof(err)));
    CHECK(a.port == 6379 && a.db == 0);
    CHECK(relay_redis_parse("/run/redis/redis.sock?db=2", &a, err, sizeof(err)));
    CHECK(!strcmp(a.path, "/run/redis/redis.sock") && a.db == 2 && !a.host[0]);
    CHECK(relay_redis_parse("unix:/tmp/r.sock", &a, err, sizeof(err)));
    CHECK(!strcmp(a.path, "/tmp/r.sock"));
    CHECK(!relay_redis_parse("redis://u:secret@h:1/0", &a, err, sizeof(err)));
    CHECK(strstr(err, "redis-auth-file") != NULL);
    CHECK(!strstr(err, "secret@")); /* the password is not echoed */
    CHECK(!relay_redis_parse("http://h", &a, err, sizeof(err)));
    CHECK(!relay_redis_parse("redis://h:99999/0", &a, err, sizeof(err)));
    CHECK(!relay_redis_parse("redis://h:1/16", &a, err, sizeof(err)));
    CHECK(!relay_redis_parse("redis://:1/0", &a, err, sizeof(err)));
    CHECK(!relay_redis_parse("/x?user=a", &a, err, sizeof(err)));
}

int main(void)
{
    setup();
    RUN(test_round_trip);
    RUN(test_no_key_in_clear);
    RUN(test_tamper_refused);
    RUN(test_secrets);
    RUN(test_other_version_refused);
    RUN(test_redis_address);
    relay_store_keys_wipe(&keys);
    return check_summary("relay_store_codec");
}
