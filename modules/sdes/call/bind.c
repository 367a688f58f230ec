/*
 * modules/sdes/call/bind.c — the policy bound to a call: its byte form in
 * the sdes-state and the tighten-only combination with a later request's
 * flags (call/bind.h).
 */
#include "sdes/call/bind.h"

#include <stdio.h>
#include <string.h>

#define BIND_VERSION  3
#define BIND_V1_FIXED 17 /* version 1: no nomki byte */
#define BIND_FIXED    18 /* versions 2 and 3; 3 adds the interfaces after it */
#define BIND_SET_MASK \
    0xffu /* mode .. keys; loosen/in-dialog are per request;
                            * mki-use (0x200) and nomki (0x400) ride in
                            * their own bytes */

size_t sdes_call_bind_pack(const sdes_call_flags *f, uint8_t *buf, size_t cap)
{
    bool dir = (f->set & SDES_CALL_F_DIRECTION) != 0;
    const char *za = memchr(f->direction[0], 0, SDES_CALL_IFNAME_MAX);
    const char *zb = memchr(f->direction[1], 0, SDES_CALL_IFNAME_MAX);
    size_t la = !dir ? 0 : za ? (size_t)(za - f->direction[0]) : SDES_CALL_IFNAME_MAX;
    size_t lb = !dir ? 0 : zb ? (size_t)(zb - f->direction[1]) : SDES_CALL_IFNAME_MAX;
    size_t need = BIND_FIXED + f->n_suites + 2 + la + lb, o = 0;
    if (!buf || cap < need || f->n_suites > SG_SUITE_COUNT || f->mki_len > 255 || f->keys > 255 ||
        la >= SDES_CALL_IFNAME_MAX || lb >= SDES_CALL_IFNAME_MAX)
        return 0;
    buf[o++] = BIND_VERSION;
    buf[o++] = (uint8_t)(f->set & BIND_SET_MASK & ~SDES_CALL_F_LOOSEN);
    buf[o++] = (uint8_t)f->mode;
    buf[o++] = (uint8_t)f->policy;
    buf[o++] = (uint8_t)f->n_suites;
    for (size_t i = 0; i < f->n_suites; i++)
        buf[o++] = (uint8_t)f->suites[i];
    buf[o++] = (uint8_t)f->mki_len;
    for (int s = 56; s >= 0; s -= 8)
        buf[o++] = (uint8_t)(f->lifetime >> s);
    buf[o++] = (uint8_t)f->roc;
    buf[o++] = (uint8_t)f->keys;
    buf[o++] = (uint8_t)((f->set & SDES_CALL_F_MKI_USE) ? f->mki_use : SDES_CALL_MKI_USE_UNSET);
    buf[o++] = (uint8_t)((f->set & SDES_CALL_F_NOMKI) ? f->nomki : SDES_CALL_NOMKI_UNSET);
    buf[o++] = (uint8_t)la;
    memcpy(buf + o, f->direction[0], la);
    o += la;
    buf[o++] = (uint8_t)lb;
    memcpy(buf + o, f->direction[1], lb);
    o += lb;
    return o;
}

int sdes_call_bind_unpack(const uint8_t *buf, size_t len, sdes_call_flags *f)
{
    size_t o = 0, n, fixed;
    memset(f, 0, sizeof(*f));
    if (!buf || len < BIND_V1_FIXED || buf[0] < 1 || buf[0] > BIND_VERSION)
        return -1;
    fixed = buf[0] == 1 ? BIND_V1_FIXED : BIND_FIXED;
    n = buf[4];
    if (n > SG_SUITE_COUNT || (buf[0] < 3 && len != fixed + n) ||
        (buf[0] == 3 && len < fixed + n + 2))
        return -1;
    f->set = buf[1] & ~SDES_CALL_F_LOOSEN;
    f->mode = (sdes_call_mode)buf[2];
    f->policy = (sdes_call_policy)buf[3];
    if (f->mode > SDES_CALL_MODE_OSRTP || f->policy > SDES_CALL_POLICY_STRONG)
        return -1;
    o = 5;
    for (size_t i = 0; i < n; i++) {
        if (!sg_suite_get((sg_suite_id)buf[o]))
            return -1;
        for (size_t k = 0; k < i; k++)
            if (f->suites[k] == (sg_suite_id)buf[o])
                return -1;
        f->suites[i] = (sg_suite_id)buf[o++];
    }
    f->n_suites = n;
    f->mki_len = buf[o++];
    for (int i = 0; i < 8; i++)
        f->lifetime = (f->lifetime << 8) | buf[o++];
    f->roc = (sdes_call_roc)buf[o++];
    f->keys = buf[o++];
    f->mki_use = (sdes_call_mki_use)buf[o++];
    if (f->mki_use > SDES_CALL_MKI_USE_ALWAYS)
        return -1;
    if (f->mki_use != SDES_CALL_MKI_USE_UNSET)
        f->set |= SDES_CALL_F_MKI_USE;
    if (fixed == BIND_FIXED) {
        f->nomki = (sdes_call_nomki)buf[o++];
        if (f->nomki > SDES_CALL_NOMKI_KEEP)
            return -1;
        if (f->nomki != SDES_CALL_NOMKI_UNSET)
            f->set |= SDES_CALL_F_NOMKI;
    }
    if (buf[0] == 3) {
        /* The interfaces: two length-prefixed names, both or neither. */
        for (int k = 0; k < 2; k++) {
            size_t l = buf[o++];
            if (l >= SDES_CALL_IFNAME_MAX || o + l + (k == 0 ? 1 : 0) > len ||
                (l && !sdes_call_ifname_ok((const char *)buf + o, l)))
                return -1;
            memcpy(f->direction[k], buf + o, l);
            f->direction[k][l] = '\0';
            o += l;
        }
        if (o != len || (!f->direction[0][0]) != (!f->direction[1][0]))
            return -1;
        if (f->direction[0][0]) {
            f->n_direction = 2;
            f->set |= SDES_CALL_F_DIRECTION;
        }
    }
    if (f->roc > SDES_CALL_ROC_RESET || f->keys > SDES_CALL_MAX_KEYS || f->mki_len > 128 ||
        f->lifetime > SDES_CALL_MAX_LIFETIME)
        return -1;
    return 0;
}

static int has_suite(const sdes_call_flags *f, sg_suite_id id)
{
    for (size_t i = 0; i < f->n_suites; i++)
        if (f->suites[i] == id)
            return 1;
    return 0;
}

int sdes_call_bind_tighten(const sdes_call_flags *bound, const sdes_call_flags *req,
                           sdes_call_flags *out, char *why, size_t whylen)
{
    unsigned g = req->given;
    if (whylen)
        why[0] = '\0';
    *out = *bound;
    out->given = 0;
    if ((g & SDES_CALL_F_POLICY) && req->policy > out->policy) {
        out->policy = req->policy;
        out->set |= SDES_CALL_F_POLICY;
    }
    if (g & SDES_CALL_F_SUITES) {
        if (bound->set & SDES_CALL_F_SUITES) {
            size_t n = 0;
            for (size_t i = 0; i < bound->n_suites; i++)
                if (has_suite(req, bound->suites[i]))
                    out->suites[n++] = bound->suites[i];
            out->n_suites = n;
        } else {
            memcpy(out->suites, req->suites, sizeof(out->suites));
            out->n_suites = req->n_suites;
        }
        out->set |= SDES_CALL_F_SUITES;
        if (out->n_suites == 0) {
            if (whylen)
                snprintf(why, whylen,
                         "no suite allowed by both the call's policy and this"
                         " request's suites=");
            return -1;
        }
    }
    if (g & SDES_CALL_F_LIFETIME) {
        if (!(bound->set & SDES_CALL_F_LIFETIME) || req->lifetime < bound->lifetime)
            out->lifetime = req->lifetime;
        out->set |= SDES_CALL_F_LIFETIME;
    }
    if (g & SDES_CALL_F_MKI) {
        out->mki_len = req->mki_len;
        out->set |= SDES_CALL_F_MKI;
    }
    if (g & SDES_CALL_F_ROC) {
        out->roc = req->roc;
        out->set |= SDES_CALL_F_ROC;
    }
    if (g & SDES_CALL_F_KEYS) {
        out->keys = req->keys;
        out->set |= SDES_CALL_F_KEYS;
    }
    if (g & SDES_CALL_F_MKI_USE) {
        out->mki_use = req->mki_use;
        out->set |= SDES_CALL_F_MKI_USE;
    }
    if (g & SDES_CALL_F_NOMKI) {
        out->nomki = req->nomki;
        out->set |= SDES_CALL_F_NOMKI;
    }
    return 0;
}

int sdes_call_bind_is_looser(const sdes_call_flags *bound, const sdes_call_flags *req)
{
    if (req->mode != bound->mode || req->policy < bound->policy)
        return 1;
    if ((bound->set & SDES_CALL_F_SUITES)) {
        if (!(req->set & SDES_CALL_F_SUITES))
            return 1;
        for (size_t i = 0; i < req->n_suites; i++)
            if (!has_suite(bound, req->suites[i]))
                return 1;
    }
    if ((bound->set & SDES_CALL_F_LIFETIME) &&
        (!(req->set & SDES_CALL_F_LIFETIME) || req->lifetime > bound->lifetime))
        return 1;
    return 0;
}

void sdes_call_bind_keep_directions(sdes_call_flags *eff, const sdes_call_flags *bound)
{
    memcpy(eff->direction, bound->direction, sizeof(eff->direction));
    eff->n_direction = bound->n_direction;
    eff->set = (eff->set & ~SDES_CALL_F_DIRECTION) | (bound->set & SDES_CALL_F_DIRECTION);
}

bool sdes_call_bind_two_networks(const sdes_call_flags *f)
{
    return (f->set & SDES_CALL_F_DIRECTION) && f->direction[0][0] && f->direction[1][0] &&
           strcmp(f->direction[0], f->direction[1]) != 0;
}
