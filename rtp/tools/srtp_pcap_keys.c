/*
 * rtp/tools/srtp_pcap_keys.c — an a=crypto line to SRTP context parameters
 * and keys (see srtp_pcap_keys.h). RFC 4568 §6.1 key parameters become the
 * context's master-key table (MKI, lifetime); §6.3 session parameters map to
 * sg_srtp_params (KDR, UNENCRYPTED_SRTP/SRTCP, UNAUTHENTICATED_SRTP, WSH as
 * the replay window). FEC_ORDER/FEC_KEY describe an FEC stream srtp-pcap
 * does not handle, so a line with them is refused rather than half-applied.
 */
#include "tools/srtp_pcap_keys.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

int srtp_pcap_line_parse(srtp_pcap_line *l, const char *text, const char **why)
{
    memset(l, 0, sizeof *l);
    sdes_ca_status st =
        sdes_crypto_attr_parse(text, strlen(text), SDES_CA_PARSE_TAG_OPTIONAL, &l->attr);
    if (st != SDES_CA_OK) {
        *why = sdes_ca_status_str(st);
        srtp_pcap_line_wipe(l);
        return -1;
    }
    if (!l->attr.suite) {
        *why = "unknown crypto-suite";
        srtp_pcap_line_wipe(l);
        return -1;
    }
    if (l->attr.n_fec_keys || l->attr.fec_order != SDES_FEC_NONE) {
        *why = "FEC_ORDER/FEC_KEY are not supported by srtp-pcap";
        srtp_pcap_line_wipe(l);
        return -1;
    }
    if (l->attr.wsh > SG_SRTP_MAX_WINDOW) {
        *why = "WSH above the largest replay window srtp-pcap supports (4096)";
        srtp_pcap_line_wipe(l);
        return -1;
    }
    /* Try it once so a key the library refuses is reported now, not per
     * packet. */
    sg_srtp_ctx *ctx = NULL;
    sg_status s = srtp_pcap_line_ctx(l, SG_SRTP_UNPROTECT, &ctx);
    sg_srtp_ctx_free(ctx);
    if (s != SG_OK) {
        *why = sg_status_str(s);
        srtp_pcap_line_wipe(l);
        return -1;
    }
    return 0;
}

sg_status srtp_pcap_line_ctx(const srtp_pcap_line *l, sg_srtp_dir dir, sg_srtp_ctx **out)
{
    const sdes_crypto_attr *a = &l->attr;
    sg_srtp_params p;
    memset(&p, 0, sizeof p);
    p.suite = a->suite;
    p.dir = dir;
    p.kdr = a->has_kdr ? a->kdr : 0;
    p.unencrypted_srtp = a->unencrypted_srtp;
    p.unencrypted_srtcp = a->unencrypted_srtcp;
    p.unauthenticated_srtp = a->unauthenticated_srtp;
    p.replay_window = (uint16_t)a->wsh; /* 0: library default */
    p.mki_len = a->keys[0].mki_len;
    p.max_ssrcs = 1;
    sg_srtp_ctx *ctx = NULL;
    sg_status st = sg_srtp_ctx_new(&p, &ctx);
    if (st != SG_OK)
        return st;
    for (unsigned i = 0; i < a->n_keys; i++) {
        const sdes_key_param *k = &a->keys[i];
        sg_srtp_key key = {
            .master_key = sdes_key_master_key(k),
            .master_salt = sdes_key_master_salt(k, a->suite),
            .mki = k->mki_len ? k->mki : NULL,
            .lifetime = k->lifetime,
        };
        st = sg_srtp_add_key(ctx, &key);
        if (st != SG_OK) {
            sg_srtp_ctx_free(ctx);
            return st;
        }
    }
    *out = ctx;
    return SG_OK;
}

void srtp_pcap_line_wipe(srtp_pcap_line *l)
{
    sdes_crypto_attr_wipe(&l->attr);
}

/* A line worth parsing: not empty, not a comment, and either an a=crypto
 * attribute or not an SDP line at all (RFC 8866 §5: "<type>=<value>"). */
static bool crypto_line(const char *l)
{
    if (!*l || *l == '#' || *l == '\r' || *l == '\n')
        return false;
    /* The attribute name in any case, as the SDES engine reads it. */
    if (strncasecmp(l, "a=crypto:", 9) == 0)
        return true;
    return !(islower((unsigned char)l[0]) && l[1] == '=');
}

int srtp_pcap_lines_from_file(const char *path, srtp_pcap_line *lines, int *n, int max, char *why,
                              size_t why_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0, found = 0;
    while ((len = getline(&buf, &cap, f)) >= 0) {
        lineno++;
        const char *l = buf;
        while (*l == ' ' || *l == '\t')
            l++;
        if (!crypto_line(l))
            continue;
        if (*n == max) {
            snprintf(why, why_len, "%s:%d: more than %d crypto lines", path, lineno, max);
            rc = -1;
            break;
        }
        const char *reason = NULL;
        if (srtp_pcap_line_parse(&lines[*n], l, &reason) != 0) {
            snprintf(why, why_len, "%s:%d: %s", path, lineno, reason);
            rc = -1;
            break;
        }
        (*n)++;
        found++;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(why, why_len, "%s: read error", path);
        rc = -1;
    }
    if (rc == 0 && !found) {
        snprintf(why, why_len, "%s: no crypto line in the file", path);
        rc = -1;
    }
    if (buf) {
        OPENSSL_cleanse(buf, cap);
        free(buf);
    }
    fclose(f);
    return rc;
}
