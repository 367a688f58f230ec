/*
 * rtp/tools/srtp_pcap_keys.h — turn an srtp-pcap --crypto LINE (an SDP
 * a=crypto attribute, RFC 4568 §9.2, with or without "a=crypto:" and tag)
 * into SRTP context parameters and master keys, through the a=crypto codec
 * the SDES engine uses (rtp/crypto_attr/crypto_attr.h): there is one a=crypto parser in the
 * project, and this tool uses it.
 */
#ifndef SDESGATE_TOOLS_SRTP_PCAP_KEYS_H
#define SDESGATE_TOOLS_SRTP_PCAP_KEYS_H

#include <stddef.h>

#include "crypto_attr/crypto_attr.h"
#include "srtp/sg_srtp.h"

typedef struct srtp_pcap_line {
    sdes_crypto_attr attr; /* holds the key bytes: wiped by _line_wipe() */
} srtp_pcap_line;

/* Parses LINE. On failure returns -1 and a constant reason (never key
 * material) in *why. */
int srtp_pcap_line_parse(srtp_pcap_line *l, const char *text, const char **why);

/* A new context for this line in direction dir, every key added (the first
 * is the send key). max_ssrcs 1: srtp-pcap keeps one context per SSRC. */
sg_status srtp_pcap_line_ctx(const srtp_pcap_line *l, sg_srtp_dir dir, sg_srtp_ctx **out);

/*
 * Reads crypto lines from a file (so keys need not be on the command line):
 * every "a=crypto:" line of an SDP, or one LINE per line. Skipped: empty
 * lines, '#' comments and other SDP lines ("v=0", "m=audio ..."). Appends to
 * lines[*n..max). On failure returns -1 and writes a one-line reason naming
 * the file and line (never key material) into why.
 */
int srtp_pcap_lines_from_file(const char *path, srtp_pcap_line *lines, int *n, int max, char *why,
                              size_t why_len);

/* Wipes the key material. */
void srtp_pcap_line_wipe(srtp_pcap_line *l);

#endif
