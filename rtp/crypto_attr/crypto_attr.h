/*
 * rtp/crypto_attr/crypto_attr.h — the SDES a=crypto attribute codec
 * (RFC 4568 §9.2 grammar, §6.1 key parameters, §6.3 session parameters).
 *
 *   a=crypto:<tag> <crypto-suite> <key-params> [<session-param> ...]
 *   key-params = key-param *(";" key-param)
 *   key-param  = "inline:" <base64 key||salt> ["|" lifetime] ["|" MKI ":" length]
 *
 * sdes_crypto_attr_parse() turns one attribute value (with or without the
 * "a=crypto:" prefix) into a plain struct: tag, suite (a row of the one suite
 * table, rtp/srtp/suite.h, or "unknown" with its name kept), every key
 * (decoded master key || master salt, lifetime, MKI value and length) and the
 * session parameters. sdes_crypto_attr_format() writes it back in canonical
 * form (padded base64, one space between fields) with the same meaning.
 *
 * Every rejection has its own status and a constant reason string
 * (sdes_ca_status_str). No reason, and nothing this codec writes except the
 * "inline:" key field itself, ever contains key bytes; the formatter can mask
 * the key field for display (SDES_CA_FMT_MASK_KEYS).
 *
 * The struct holds key material: callers wipe it with sdes_crypto_attr_wipe()
 * (OPENSSL_cleanse) when done. The parser wipes its own scratch copies and,
 * on any error, leaves the output struct wiped except for the fields that the
 * status documents as kept (tag and suite name for UNKNOWN_SUITE; everything
 * for UNKNOWN_PARAM).
 *
 * Link: libsg_sdes.a (SDES_LIB) and libsg_srtp.a (SRTP_LIB, for the suite
 * table) with -lcrypto.
 */
#ifndef SDESGATE_SDES_CRYPTO_ATTR_H
#define SDESGATE_SDES_CRYPTO_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp/suite.h"

#define SDES_CA_MAX_KEYS        16  /* key-params per attribute (and per FEC_KEY) */
#define SDES_CA_MAX_KEY_SALT    46  /* 32-byte key + 14-byte salt (AES-256-CM) */
#define SDES_CA_MAX_MKI_LEN     128 /* RFC 4568 §6.1: MKI length 1..128 bytes */
#define SDES_CA_MAX_SUITE_NAME  64  /* an unknown suite's name is kept up to this */
#define SDES_CA_MAX_UNKNOWN     4   /* unknown session parameters kept (names) */
#define SDES_CA_MAX_UNKNOWN_LEN 48
#define SDES_CA_TAG_MAX         999999999u /* tag = 1*9DIGIT */

/*
 * Statuses. OK is 0. Numbers are stable (append only). Two statuses are
 * "soft": the text was well formed but the attribute is unusable —
 * UNKNOWN_SUITE (tag and suite_name are kept so an offer/answer engine can
 * skip the line and say why) and UNKNOWN_PARAM (RFC 4568 §6.3: an unknown
 * session parameter makes the attribute unusable; every field is kept).
 * sdes_ca_status_soft() tells them apart from syntax errors.
 */
/* clang-format off */ /* a table: one aligned row per entry */
#define SDES_CA_STATUS_MAP(X)                                                   \
    X(OK,               0, "ok")                                                \
    X(BAD_PARAM,        1, "bad parameter")                                     \
    X(EMPTY,            2, "empty crypto attribute")                            \
    X(BAD_TAG,          3, "tag is not 1 to 9 digits")                          \
    X(NO_SUITE,         4, "missing crypto-suite")                              \
    X(BAD_SUITE,        5, "crypto-suite has characters outside ALPHA/DIGIT/_") \
    X(UNKNOWN_SUITE,    6, "unknown crypto-suite")                              \
    X(NO_KEY_PARAMS,    7, "missing key-params")                                \
    X(BAD_KEY_METHOD,   8, "key method is not inline")                          \
    X(BAD_BASE64,       9, "key is not valid base64")                           \
    X(KEY_LENGTH,      10, "key||salt length does not match the suite")         \
    X(BAD_LIFETIME,    11, "lifetime is not a number or 2^n")                   \
    X(LIFETIME_ZERO,   12, "lifetime is zero")                                  \
    X(LIFETIME_MAX,    13, "lifetime above the suite maximum")                  \
    X(BAD_MKI,         14, "MKI is not value:length digits")                    \
    X(MKI_LENGTH,      15, "MKI length outside 1..128")                         \
    X(MKI_VALUE,       16, "MKI value does not fit its length")                 \
    X(MKI_MISSING,     17, "several keys but a key has no MKI")                 \
    X(MKI_LEN_MISMATCH,18, "keys of one attribute have different MKI lengths") \
    X(DUPLICATE_MKI,   19, "duplicate MKI value")                               \
    X(TOO_MANY_KEYS,   20, "too many key-params")                               \
    X(BAD_KDR,         21, "KDR is not a number 1..24")                         \
    X(BAD_FEC_ORDER,   22, "FEC_ORDER is not FEC_SRTP or SRTP_FEC")             \
    X(BAD_FEC_KEY,     23, "FEC_KEY key-params are invalid")                    \
    X(BAD_WSH,         24, "WSH is not a number >= 64")                         \
    X(DUPLICATE_PARAM, 25, "session parameter given twice")                     \
    X(UNKNOWN_PARAM,   26, "unknown session parameter (RFC 4568 6.3)")          \
    X(TRAILING,        27, "trailing garbage after the key")                    \
    X(BAD_CHAR,        28, "control character or NUL in attribute")             \
    X(TOO_LONG,        29, "attribute too long")                                \
    X(BUFFER_SMALL,    30, "output buffer too small")
/* clang-format on */

typedef enum sdes_ca_status {
#define SDES_CA_ENUM_(name, num, text) SDES_CA_##name = num,
    SDES_CA_STATUS_MAP(SDES_CA_ENUM_)
#undef SDES_CA_ENUM_
} sdes_ca_status;

/* A constant reason string (never NULL, never key material). */
const char *sdes_ca_status_str(sdes_ca_status st);
/* The short name, e.g. "KEY_LENGTH" (for golden files and counters). */
const char *sdes_ca_status_name(sdes_ca_status st);
/* True for UNKNOWN_SUITE and UNKNOWN_PARAM (well formed, unusable). */
bool sdes_ca_status_soft(sdes_ca_status st);

/* One key-param (RFC 4568 §6.1): inline:<key||salt>[|lifetime][|MKI:len]. */
typedef struct sdes_key_param {
    uint8_t key_salt[SDES_CA_MAX_KEY_SALT]; /* master_key || master_salt */
    uint8_t key_salt_len;                   /* suite->key_len + suite->salt_len */
    uint64_t lifetime;                      /* packets; 0 = not given (suite maximum) */
    uint8_t lifetime_exp;                   /* n when written as 2^n with n >= 1 (kept for
                               * output), else 0 */
    uint8_t mki[SDES_CA_MAX_MKI_LEN];       /* MKI value, big-endian, mki_len bytes */
    uint8_t mki_len;                        /* 0 = no MKI; else 1..128 */
} sdes_key_param;

typedef enum sdes_fec_order {
    SDES_FEC_NONE = 0, /* not given (RFC 4568 default is FEC_SRTP) */
    SDES_FEC_SRTP_FEC, /* "SRTP_FEC": SRTP before FEC */
    SDES_FEC_FEC_SRTP, /* "FEC_SRTP": FEC before SRTP */
} sdes_fec_order;

/* A parsed a=crypto attribute. Plain data (no pointers except suite, which
 * points into the constant suite table), so it can be copied and stored. */
typedef struct sdes_crypto_attr {
    uint32_t tag; /* 1..999999999 (0 only when parsed with
                               * SDES_CA_PARSE_TAG_OPTIONAL and absent) */
    bool has_tag;
    const sg_suite *suite;                   /* NULL when unknown */
    char suite_name[SDES_CA_MAX_SUITE_NAME]; /* always filled (truncated if
                               * an unknown name is longer) */
    uint8_t n_keys;                          /* 1..SDES_CA_MAX_KEYS */
    sdes_key_param keys[SDES_CA_MAX_KEYS];
    /* Session parameters (RFC 4568 §6.3). */
    bool has_kdr;
    uint8_t kdr;               /* KDR=n: key derivation rate 2^n (0..24) */
    bool unencrypted_srtp;     /* UNENCRYPTED_SRTP */
    bool unencrypted_srtcp;    /* UNENCRYPTED_SRTCP */
    bool unauthenticated_srtp; /* UNAUTHENTICATED_SRTP */
    sdes_fec_order fec_order;  /* FEC_ORDER= */
    uint8_t n_fec_keys;        /* FEC_KEY= key-params (0 = not given) */
    sdes_key_param fec_keys[SDES_CA_MAX_KEYS];
    uint32_t wsh; /* WSH= window size hint; 0 = not given */
    /* Unknown session parameters: names only (up to '=' ), for the reason. */
    uint8_t n_unknown;
    char unknown[SDES_CA_MAX_UNKNOWN][SDES_CA_MAX_UNKNOWN_LEN];
} sdes_crypto_attr;

/* Parse flags. */
#define SDES_CA_PARSE_TAG_OPTIONAL \
    0x1u /* accept "SUITE inline:..." without a
                                         * tag (srtp-pcap --crypto lines) */

/*
 * Parses one attribute value: "a=crypto:1 AES_CM_... inline:...", "1 AES_CM_...
 * inline:..." (the "a=crypto:" prefix is optional; one trailing CR/LF and
 * trailing spaces are ignored). Base64 is accepted with or without '='
 * padding. Fields are separated by one or more spaces or tabs.
 *
 * Checks, each with its own status: tag digits; suite characters and name;
 * key method "inline"; base64 alphabet; exact key||salt length for the suite;
 * lifetime syntax, zero, above suite->max_lifetime_srtp (2^48); MKI syntax,
 * length 1..128, value fitting in its length, all keys of a multi-key
 * attribute carrying an MKI of one length, no duplicate MKI values; KDR 0..24;
 * FEC_ORDER; FEC_KEY (same rules as the main keys); WSH >= 64; a session
 * parameter given twice; unknown session parameters; anything left over.
 *
 * Returns SDES_CA_OK, a soft status (see above) or an error. `out` is always
 * written (wiped on hard errors). len may exclude a terminating NUL; the input
 * need not be NUL-terminated. Inputs longer than 4096 bytes are TOO_LONG.
 */
sdes_ca_status sdes_crypto_attr_parse(const char *s, size_t len, unsigned flags,
                                      sdes_crypto_attr *out);

/* Format flags. */
#define SDES_CA_FMT_PREFIX 0x1u /* start with "a=crypto:" */
#define SDES_CA_FMT_MASK_KEYS \
    0x2u /* write '*' in place of every base64
                                    * character of a key (same length) */

/*
 * Writes the attribute in canonical form: tag (omitted when !has_tag), suite
 * name, key-params joined by ';' with padded base64, lifetime as "2^n" when
 * lifetime_exp is set (n >= 1) else decimal, MKI as
 * decimal value ":" length; then KDR, UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP,
 * UNAUTHENTICATED_SRTP, FEC_ORDER, FEC_KEY, WSH in that order. Unknown
 * session parameters are never written (the attribute is unusable anyway):
 * formatting one with n_unknown > 0 or an unknown suite is BAD_PARAM.
 * NUL-terminates; *out_len (optional) excludes the NUL. Errors: BAD_PARAM,
 * BUFFER_SMALL (buf then holds ""). 1024 bytes suffice for any attribute
 * with at most 4 keys of MKI length <= 4.
 */
sdes_ca_status sdes_crypto_attr_format(const sdes_crypto_attr *a, unsigned flags, char *buf,
                                       size_t cap, size_t *out_len);

/* Wipes every key byte (OPENSSL_cleanse) and zeroes the struct. */
void sdes_crypto_attr_wipe(sdes_crypto_attr *a);

/* Splits a key-param's key_salt into the suite's master key and salt. */
static inline const uint8_t *sdes_key_master_key(const sdes_key_param *k)
{
    return k->key_salt;
}
static inline const uint8_t *sdes_key_master_salt(const sdes_key_param *k, const sg_suite *suite)
{
    return k->key_salt + suite->key_len;
}

/* Base64 (RFC 4648 §4) helpers used by the codec, exported for tests and
 * tools. Decoding accepts missing padding and rejects any other character;
 * returns false on bad input or when more than cap bytes would result.
 * Encoding always pads; returns the length written (out needs
 * 4*ceil(n/3)+1 bytes, NUL-terminated). */
bool sdes_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len);
size_t sdes_base64_encode(const uint8_t *in, size_t n, char *out);

#endif
