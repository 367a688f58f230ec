/*
 * rtp/ctl/bencode.h — bencode (the BitTorrent encoding, as used by
 * RTPengine's "ng" control protocol) decoder and writer.
 *
 * The decoder is strict and bounded: it never recurses (an explicit stack of
 * at most CTL_BE_MAX_DEPTH levels), never allocates (nodes live in a
 * caller-provided ctl_be_doc), and every string node points into the input
 * buffer, which must outlive the document. Rejected: trailing bytes,
 * non-string dict keys, duplicate keys, integers with leading zeros or "-0",
 * lengths that run past the buffer, more than CTL_BE_MAX_NODES nodes.
 * Dict keys may come in any order (RTPengine's clients do not sort them).
 *
 * The writer appends to a caller buffer and remembers the first overflow so
 * a sequence of calls needs one check at the end.
 */
#ifndef SDESGATE_CTL_BENCODE_H
#define SDESGATE_CTL_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_BE_MAX_DEPTH 32
#define CTL_BE_MAX_NODES 4096
#define CTL_BE_MAX_DICT  256 /* entries per dict (duplicate check is quadratic) */

typedef enum ctl_be_type {
    CTL_BE_INT = 1,
    CTL_BE_STR,
    CTL_BE_LIST,
    CTL_BE_DICT,
} ctl_be_type;

typedef struct ctl_be {
    ctl_be_type type;
    int64_t i;       /* CTL_BE_INT */
    const char *s;   /* CTL_BE_STR: bytes in the input buffer (not NUL-terminated) */
    size_t len;      /* CTL_BE_STR: length; LIST/DICT: number of children */
    const char *key; /* key when the node is a dict value, else NULL */
    size_t key_len;
    int32_t child;   /* first child index, -1 when none */
    int32_t next;    /* next sibling index, -1 when last */
    const char *raw; /* where the node's encoding starts in the input */
    size_t raw_len;  /* and its length */
} ctl_be;

typedef struct ctl_be_doc {
    ctl_be nodes[CTL_BE_MAX_NODES];
    size_t count;
    const char *err; /* reason when ctl_be_decode() failed */
    size_t err_off;  /* byte offset of the failure */
} ctl_be_doc;

/* Decodes one complete value spanning exactly buf[0..len). Returns the root
 * node or NULL with doc->err set ("nesting too deep", "too many nodes",
 * "trailing bytes", ...). */
const ctl_be *ctl_be_decode(ctl_be_doc *doc, const char *buf, size_t len);

/* Children of a list or dict: the first child, then ctl_be_next(). NULL at
 * the end or when n is not a container. */
const ctl_be *ctl_be_first(const ctl_be_doc *doc, const ctl_be *n);
const ctl_be *ctl_be_next(const ctl_be_doc *doc, const ctl_be *n);

/* The value of a key in a dict, or NULL (also NULL when d is not a dict). */
const ctl_be *ctl_be_get(const ctl_be_doc *doc, const ctl_be *d, const char *key);

/* Typed getters: true with the value when the key exists with that type. */
bool ctl_be_get_int(const ctl_be_doc *doc, const ctl_be *d, const char *key, int64_t *out);
bool ctl_be_get_str(const ctl_be_doc *doc, const ctl_be *d, const char *key, const char **s,
                    size_t *len);
/* Copies a string value into out (NUL-terminated); false when missing, not a
 * string, containing a NUL byte, or longer than cap - 1. */
bool ctl_be_get_cstr(const ctl_be_doc *doc, const ctl_be *d, const char *key, char *out,
                     size_t cap);
/* True when the string node equals the C string. */
bool ctl_be_str_eq(const ctl_be *n, const char *s);

/* Writer. */
typedef struct ctl_benc {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
    int depth;
} ctl_benc;

void ctl_benc_init(ctl_benc *w, char *buf, size_t cap);
void ctl_benc_dict(ctl_benc *w); /* 'd' */
void ctl_benc_list(ctl_benc *w); /* 'l' */
void ctl_benc_end(ctl_benc *w);  /* 'e' */
void ctl_benc_int(ctl_benc *w, int64_t v);
void ctl_benc_str(ctl_benc *w, const void *s, size_t len);
void ctl_benc_cstr(ctl_benc *w, const char *s);
void ctl_benc_raw(ctl_benc *w, const void *s, size_t len); /* already encoded bytes */
/* Key + value in a dict. */
void ctl_benc_kv_str(ctl_benc *w, const char *key, const void *s, size_t len);
void ctl_benc_kv_cstr(ctl_benc *w, const char *key, const char *s);
void ctl_benc_kv_int(ctl_benc *w, const char *key, int64_t v);
/* true when everything fit and every container was closed. */
bool ctl_benc_ok(const ctl_benc *w);

#endif
