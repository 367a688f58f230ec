/*
 * modules/sdes/kam_statecache.c — the answer's state cache in shared
 * memory (kam_statecache.h): fixed slots, one lock per 64 slots.
 */
#include "sdes/kam_statecache.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#define SC_CID_MAX 128
#define SC_LOCKS   64

typedef struct sc_slot {
    uint32_t hash;
    uint16_t cid_len; /* 0: empty */
    char cid[SC_CID_MAX];
    int relay;
    uint64_t version;
    uint32_t len;
    uint8_t state[SDES_KAM_SC_STATE_MAX];
    sdes_relay ports[2][SDES_MAX_MEDIA];
} sc_slot;

static sc_slot *slots;
static int n_slots;
static gen_lock_set_t *locks;

int sdes_kam_statecache_init(int n)
{
    if (n < 0 || n > 1 << 20) {
        LM_ERR("modparam state_cache: 0..1048576 slots\n");
        return -1;
    }
    if (n == 0)
        return 0;
    slots = shm_malloc(sizeof(*slots) * (size_t)n);
    locks = lock_set_alloc(SC_LOCKS);
    if (!slots || !locks || !lock_set_init(locks)) {
        LM_ERR("no shared memory for the sdes state cache (%d slots, %zu bytes)\n", n,
               sizeof(*slots) * (size_t)n);
        if (slots)
            shm_free(slots);
        if (locks)
            lock_set_dealloc(locks);
        slots = NULL;
        locks = NULL;
        return -1;
    }
    memset(slots, 0, sizeof(*slots) * (size_t)n);
    n_slots = n;
    return 0;
}

static void slot_wipe(sc_slot *s)
{
    OPENSSL_cleanse(s->state, s->len <= sizeof(s->state) ? s->len : sizeof(s->state));
    s->len = 0;
    s->cid_len = 0;
}

void sdes_kam_statecache_destroy(void)
{
    if (!slots)
        return;
    for (int i = 0; i < n_slots; i++)
        slot_wipe(&slots[i]);
}

/* FNV-1a: Call-IDs are random enough; the slot only has to spread them. */
static uint32_t hash_cid(const str *cid)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < cid->len; i++)
        h = (h ^ (uint8_t)cid->s[i]) * 16777619u;
    return h;
}

/* The slot for cid, locked (unlock with sc_unlock); NULL: no cache or a
 * Call-ID too long to keep. */
static sc_slot *sc_lock(const str *cid, uint32_t *h)
{
    if (!slots || cid->len <= 0 || cid->len > SC_CID_MAX)
        return NULL;
    *h = hash_cid(cid);
    int i = (int)(*h % (uint32_t)n_slots);
    lock_set_get(locks, i % SC_LOCKS);
    return &slots[i];
}

static void sc_unlock(const sc_slot *s)
{
    lock_set_release(locks, (int)(s - slots) % SC_LOCKS);
}

static int sc_match(const sc_slot *s, uint32_t h, const str *cid)
{
    return s->cid_len == (uint16_t)cid->len && s->hash == h &&
           memcmp(s->cid, cid->s, (size_t)cid->len) == 0;
}

void sdes_kam_statecache_put(const str *cid, int relay, uint64_t version, const uint8_t *state,
                             size_t len, const sdes_relay *ports_a, const sdes_relay *ports_b)
{
    uint32_t h;
    sc_slot *s = sc_lock(cid, &h);
    if (!s)
        return;
    slot_wipe(s); /* the older entry there, this call's or a colliding one */
    if (len <= sizeof(s->state)) {
        s->hash = h;
        s->cid_len = (uint16_t)cid->len;
        memcpy(s->cid, cid->s, (size_t)cid->len);
        s->relay = relay;
        s->version = version;
        s->len = (uint32_t)len;
        memcpy(s->state, state, len);
        memcpy(s->ports[0], ports_a, sizeof(s->ports[0]));
        memcpy(s->ports[1], ports_b, sizeof(s->ports[1]));
    }
    sc_unlock(s);
}

int sdes_kam_statecache_get(const str *cid, int *relay, uint64_t *version, uint8_t *buf, size_t cap,
                            size_t *len, sdes_relay *ports_a, sdes_relay *ports_b)
{
    uint32_t h;
    int found = 0;
    sc_slot *s = sc_lock(cid, &h);
    if (!s)
        return 0;
    if (sc_match(s, h, cid) && s->len <= cap) {
        *relay = s->relay;
        *version = s->version;
        *len = s->len;
        memcpy(buf, s->state, s->len);
        memcpy(ports_a, s->ports[0], sizeof(s->ports[0]));
        memcpy(ports_b, s->ports[1], sizeof(s->ports[1]));
        found = 1;
    }
    sc_unlock(s);
    return found;
}

void sdes_kam_statecache_drop(const str *cid)
{
    uint32_t h;
    sc_slot *s = sc_lock(cid, &h);
    if (!s)
        return;
    if (sc_match(s, h, cid))
        slot_wipe(s);
    sc_unlock(s);
}
