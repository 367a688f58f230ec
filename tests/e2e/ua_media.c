/*
 * tests/e2e/ua_media.c — numbered RTP (RFC 3550) with optional SRTP through
 * libsrtp2 for the end-to-end test agents. The payload of packet n is a
 * fixed function of n, so the receiver can tell intact from corrupt without
 * knowing what the sender's relay did in between.
 */
#include "ua_media.h"
#include "ua_sip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

long ua_media_seq_start = -1;

static void fill_payload(uint8_t *p, uint32_t n)
{
    p[0] = (uint8_t)(n >> 24);
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
    for (size_t i = 4; i < UA_MEDIA_PAYLOAD; i++)
        p[i] = (uint8_t)(n * 7u + i * 13u);
}

int ua_media_open(ua_media *m, const char *addr, unsigned port)
{
    struct sockaddr_storage a;
    socklen_t l;
    memset(m, 0, sizeof(*m));
    m->first = m->last = -1;
    m->fd = -1;
    if (ua_addr_parse(addr, port, &a, &l) < 0) {
        errno = EINVAL;
        return -1;
    }
    m->fd = socket(a.ss_family, SOCK_DGRAM, 0);
    if (m->fd < 0)
        return -1;
    if (bind(m->fd, (struct sockaddr *)&a, l) < 0) {
        int e = errno;
        close(m->fd);
        m->fd = -1;
        errno = e;
        return -1;
    }
    fcntl(m->fd, F_SETFL, fcntl(m->fd, F_GETFL) | O_NONBLOCK);
    RAND_bytes((unsigned char *)&m->ssrc, sizeof(m->ssrc));
    RAND_bytes((unsigned char *)&m->seq, sizeof(m->seq));
    if (ua_media_seq_start >= 0)
        m->seq = (uint16_t)ua_media_seq_start;
    RAND_bytes((unsigned char *)&m->ts, sizeof(m->ts));
    return 0;
}

unsigned ua_media_port(const ua_media *m)
{
    struct sockaddr_storage a;
    socklen_t l = sizeof(a);
    if (getsockname(m->fd, (struct sockaddr *)&a, &l) < 0)
        return 0;
    return a.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&a)->sin6_port)
                                   : ntohs(((struct sockaddr_in *)&a)->sin_port);
}

int ua_media_set_peer(ua_media *m, const char *addr, unsigned port)
{
    if (port == 0 || port > 65535 || ua_addr_parse(addr, port, &m->peer, &m->peer_len) < 0)
        return -1;
    m->have_peer = 1;
    return 0;
}

static int set_policy(srtp_policy_t *p, const char *suite)
{
    if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_32")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp); /* RFC 4568 §6.2.2 */
    } else if (!strcmp(suite, "AES_192_CM_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(suite, "AES_192_CM_HMAC_SHA1_32")) {
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(suite, "AES_256_CM_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(suite, "AES_256_CM_HMAC_SHA1_32")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(suite, "AEAD_AES_128_GCM")) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
    } else if (!strcmp(suite, "AEAD_AES_256_GCM")) {
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
    } else {
        return -1;
    }
    return 0;
}

#define UA_MAX_KEYS 4

/* A libsrtp2 policy over n master keys (n > 1 needs an MKI on each, RFC
 * 3711 §3.1) and create (ctx NULL-valued) or update (keeps the ROC,
 * libsrtp2 srtp_update) the session. */
static int make_ctx(srtp_t *ctx, const ua_crypto *k, size_t n, srtp_ssrc_type_t dir, int update,
                    char *err, size_t errlen)
{
    srtp_policy_t p;
    srtp_master_key_t mk[UA_MAX_KEYS], *mkp[UA_MAX_KEYS];
    uint8_t key[UA_MAX_KEYS][UA_MAX_KEYSALT], mki[UA_MAX_KEYS][UA_MAX_MKI];

    if (n == 0 || n > UA_MAX_KEYS || (n > 1 && !k[0].mki_len)) {
        snprintf(err, errlen, "bad key count %zu", n);
        return -1;
    }
    memset(&p, 0, sizeof(p));
    if (set_policy(&p, k[0].suite) < 0) {
        snprintf(err, errlen, "libsrtp2 has no suite %s", k[0].suite);
        return -1;
    }
    p.ssrc.type = dir;
    p.window_size = 128;
    for (size_t i = 0; i < n; i++) {
        memcpy(key[i], k[i].keysalt, k[i].keysalt_len);
        memcpy(mki[i], k[i].mki, k[i].mki_len);
        mk[i].key = key[i];
        mk[i].mki_id = mki[i];
        mk[i].mki_size = (unsigned)k[i].mki_len;
        mkp[i] = &mk[i];
    }
    if (k[0].mki_len) {
        p.keys = mkp;
        p.num_master_keys = n;
    } else {
        p.key = key[0];
    }
    srtp_err_status_t st = update ? srtp_update(*ctx, &p) : srtp_create(ctx, &p);
    memset(key, 0, sizeof(key));
    if (st != srtp_err_status_ok) {
        snprintf(err, errlen, "srtp_%s(%s) failed: %d", update ? "update" : "create", k[0].suite,
                 (int)st);
        return -1;
    }
    return 0;
}

/* Where the MKI sits: before the auth tag (RFC 3711 §3.1); only for the
 * AES-CM suites, where the tag length is fixed by the name. */
static int tag_len_of(const char *suite)
{
    size_t n = strlen(suite);
    if (strncmp(suite, "AES_", 4) != 0 || n < 3)
        return 0;
    return strcmp(suite + n - 3, "_80") == 0 ? 10 : strcmp(suite + n - 3, "_32") == 0 ? 4 : 0;
}

int ua_media_update_keys(ua_media *m, int tx, const ua_crypto *keys, size_t n, unsigned use,
                         char *err, size_t errlen)
{
    srtp_t *ctx = tx ? &m->tx : &m->rx;
    if (!*ctx || use >= n) {
        snprintf(err, errlen, "no SRTP context to update");
        return -1;
    }
    if (make_ctx(ctx, keys, n, tx ? ssrc_any_outbound : ssrc_any_inbound, 1, err, errlen) < 0)
        return -1;
    /* A key change may add or drop the MKI (a plain key change). */
    if (tx) {
        m->tx_index = use;
        m->tx_mki = keys[use].mki_len != 0;
    } else {
        m->rx_mki = keys[0].mki_len != 0;
        m->rx_mki_len = keys[0].mki_len;
    }
    return 0;
}

int ua_media_set_srtp(ua_media *m, const ua_crypto *tx_key, const ua_crypto *rx_key, char *err,
                      size_t errlen)
{
    static int inited;
    if (!inited) {
        if (srtp_init() != srtp_err_status_ok) {
            snprintf(err, errlen, "srtp_init failed");
            return -1;
        }
        inited = 1;
    }
    /* Every key of the peer's line is installed for receive: the peer (or
     * an edge like srtpd with several keys per line) may switch to the next
     * one by MKI at any time (RFC 4568 §6.1). */
    ua_crypto rx_all[UA_MAX_KEYS];
    size_t n_rx = ua_crypto_keys(rx_key, rx_all, UA_MAX_KEYS);
    int r = make_ctx(&m->tx, tx_key, 1, ssrc_any_outbound, 0, err, errlen) < 0 ||
            make_ctx(&m->rx, rx_all, n_rx, ssrc_any_inbound, 0, err, errlen) < 0;
    memset(rx_all, 0, sizeof(rx_all));
    if (r)
        return -1;
    m->tx_mki = tx_key->mki_len != 0;
    m->rx_mki = rx_key->mki_len != 0;
    m->rx_mki_len = rx_key->mki_len;
    m->rx_tag_len = tag_len_of(rx_key->suite);
    return 0;
}

int ua_media_send(ua_media *m)
{
    uint8_t pkt[12 + UA_MEDIA_PAYLOAD + SRTP_MAX_TRAILER_LEN];
    int len = 12 + UA_MEDIA_PAYLOAD;

    if (!m->have_peer)
        return -1;
    pkt[0] = 0x80;
    pkt[1] = 0; /* PCMU */
    pkt[2] = (uint8_t)(m->seq >> 8);
    pkt[3] = (uint8_t)m->seq;
    pkt[4] = (uint8_t)(m->ts >> 24);
    pkt[5] = (uint8_t)(m->ts >> 16);
    pkt[6] = (uint8_t)(m->ts >> 8);
    pkt[7] = (uint8_t)m->ts;
    pkt[8] = (uint8_t)(m->ssrc >> 24);
    pkt[9] = (uint8_t)(m->ssrc >> 16);
    pkt[10] = (uint8_t)(m->ssrc >> 8);
    pkt[11] = (uint8_t)m->ssrc;
    fill_payload(pkt + 12, m->sent);
    if (m->tx) {
        srtp_err_status_t st = m->tx_mki ? srtp_protect_mki(m->tx, pkt, &len, 1, m->tx_index)
                                         : srtp_protect(m->tx, pkt, &len);
        if (st != srtp_err_status_ok)
            return -1;
    }
    if (m->tamper_every && (m->sent + 1) % m->tamper_every == 0)
        pkt[12 + 20] ^= 0x01; /* a payload bit: SRTP auth must catch it */
    if (sendto(m->fd, pkt, (size_t)len, 0, (struct sockaddr *)&m->peer, m->peer_len) < 0)
        return -1;
    m->sent++;
    m->seq++;
    m->ts += UA_MEDIA_PAYLOAD;
    return 0;
}

static void tally(ua_media *m, const uint8_t *pkt, int len)
{
    uint8_t want[UA_MEDIA_PAYLOAD];
    size_t hdr;

    if (len < 12 || (pkt[0] >> 6) != 2) {
        m->other++;
        return;
    }
    hdr = 12 + 4u * (pkt[0] & 0x0f);
    if (pkt[0] & 0x10) { /* header extension, RFC 3550 §5.3.1 */
        if ((size_t)len < hdr + 4) {
            m->other++;
            return;
        }
        hdr += 4 + 4u * (((size_t)pkt[hdr + 2] << 8) | pkt[hdr + 3]);
    }
    if ((size_t)len != hdr + UA_MEDIA_PAYLOAD) {
        m->corrupt++;
        return;
    }
    const uint8_t *p = pkt + hdr;
    uint32_t n = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    fill_payload(want, n);
    if (n >= UA_MEDIA_MAX_PACKETS || memcmp(want, p, UA_MEDIA_PAYLOAD) != 0) {
        m->corrupt++;
        return;
    }
    m->recv++;
    if (m->seen[n / 8] & (1u << (n % 8))) {
        m->dup++;
        return;
    }
    m->seen[n / 8] |= (uint8_t)(1u << (n % 8));
    m->intact++;
    if (m->first < 0 || (int)n < m->first)
        m->first = (int)n;
    if ((int)n > m->last)
        m->last = (int)n;
}

void ua_media_drain(ua_media *m)
{
    uint8_t pkt[2048];
    for (;;) {
        ssize_t n = recv(m->fd, pkt, sizeof(pkt), 0);
        if (n < 0)
            return;
        int len = (int)n;
        if (m->rx && m->rx_mki && m->rx_tag_len && len > 12 + m->rx_tag_len + (int)m->rx_mki_len) {
            /* Count packets per MKI value (big-endian, before the tag). */
            unsigned v = 0;
            const uint8_t *q = pkt + len - m->rx_tag_len - (int)m->rx_mki_len;
            for (size_t i = m->rx_mki_len > 4 ? m->rx_mki_len - 4 : 0; i < m->rx_mki_len; i++)
                v = (v << 8) | q[i];
            if (v < UA_MEDIA_MKI_SLOTS)
                m->mki_seen[v]++;
        }
        if (m->rx) {
            srtp_err_status_t st = m->rx_mki ? srtp_unprotect_mki(m->rx, pkt, &len, 1)
                                             : srtp_unprotect(m->rx, pkt, &len);
            if (st != srtp_err_status_ok) {
                m->srtp_fail++;
                continue;
            }
        }
        tally(m, pkt, len);
    }
}

void ua_media_close(ua_media *m)
{
    if (m->tx)
        srtp_dealloc(m->tx);
    if (m->rx)
        srtp_dealloc(m->rx);
    m->tx = m->rx = NULL;
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
}
