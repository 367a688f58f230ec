/*
 * tests/fuzz/fuzz_crypto_attr.c — libFuzzer target for the a=crypto codec
 * (rtp/crypto_attr/crypto_attr.c, RFC 4568 §9.2). Any input must give a status
 * without a crash or sanitizer report; an accepted attribute must format and
 * parse back to the same meaning (tag, suite, keys, lifetimes, MKIs, session
 * parameters), and the masked form must not contain the base64 key.
 * Byte 0 selects the parse flags; the rest is the attribute text.
 */
#include "crypto_attr/crypto_attr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void same(const sdes_crypto_attr *a, const sdes_crypto_attr *b)
{
    if (a->tag != b->tag || a->has_tag != b->has_tag || a->suite != b->suite ||
        a->n_keys != b->n_keys || a->has_kdr != b->has_kdr || a->kdr != b->kdr ||
        a->unencrypted_srtp != b->unencrypted_srtp ||
        a->unencrypted_srtcp != b->unencrypted_srtcp ||
        a->unauthenticated_srtp != b->unauthenticated_srtp || a->fec_order != b->fec_order ||
        a->n_fec_keys != b->n_fec_keys || a->wsh != b->wsh)
        abort();
    for (size_t i = 0; i < a->n_keys; i++) {
        const sdes_key_param *x = &a->keys[i], *y = &b->keys[i];
        if (x->key_salt_len != y->key_salt_len ||
            memcmp(x->key_salt, y->key_salt, x->key_salt_len) || x->lifetime != y->lifetime ||
            x->mki_len != y->mki_len || memcmp(x->mki, y->mki, x->mki_len))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0] & 1 ? SDES_CA_PARSE_TAG_OPTIONAL : 0;
    static sdes_crypto_attr a, b;
    sdes_ca_status st = sdes_crypto_attr_parse((const char *)data + 1, size - 1, flags, &a);
    if (!sdes_ca_status_str(st) || !sdes_ca_status_name(st))
        abort();
    if (st == SDES_CA_OK) {
        static char buf[8192], masked[8192];
        size_t n;
        if (sdes_crypto_attr_format(&a, SDES_CA_FMT_PREFIX, buf, sizeof buf, &n) != SDES_CA_OK)
            abort();
        if (sdes_crypto_attr_parse(buf, n, flags, &b) != SDES_CA_OK)
            abort();
        same(&a, &b);
        if (sdes_crypto_attr_format(&a, SDES_CA_FMT_MASK_KEYS, masked, sizeof masked, NULL) !=
            SDES_CA_OK)
            abort();
        char b64[80];
        sdes_base64_encode(a.keys[0].key_salt, a.keys[0].key_salt_len, b64);
        if (strstr(masked, b64))
            abort();
        /* Small buffers fail cleanly. */
        if (sdes_crypto_attr_format(&a, 0, buf, n / 2 + 1, NULL) != SDES_CA_BUFFER_SMALL ||
            buf[0] != '\0')
            abort();
    }
    sdes_crypto_attr_wipe(&a);
    sdes_crypto_attr_wipe(&b);
    return 0;
}
