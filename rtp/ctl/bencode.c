/*
 * rtp/ctl/bencode.c — strict, bounded bencode decoder and a buffer writer
 * (the value encoding of RTPengine's ng protocol: i<n>e, <len>:<bytes>,
 * l...e, d...e). No recursion: containers are tracked on a fixed stack, so a
 * hostile message can neither blow the C stack nor allocate.
 */
#include "ctl/bencode.h"

#include <stdio.h>
#include <string.h>

typedef struct be_frame {
    int32_t node;
    int32_t last;  /* last child index, -1 when none */
    bool want_key; /* dict: the next item is a key */
    const char *key;
    size_t key_len;
} be_frame;

static const ctl_be *be_fail(ctl_be_doc *doc, const char *why, size_t off)
{
    doc->err = why;
    doc->err_off = off;
    return NULL;
}

/* Parses "<digits>:" at *pos and returns the string bytes; the length must
 * have no leading zero (bencode is canonical) and fit in the buffer. */
static bool be_parse_str(const char *buf, size_t len, size_t *pos, const char **s, size_t *slen,
                         const char **why)
{
    size_t p = *pos, n = 0, digits = 0;
    while (p < len && buf[p] >= '0' && buf[p] <= '9') {
        if (digits == 0 && buf[p] == '0' && p + 1 < len && buf[p + 1] != ':') {
            *why = "string length with leading zero";
            return false;
        }
        if (++digits > 9) {
            *why = "string length too long";
            return false;
        }
        n = n * 10 + (size_t)(buf[p] - '0');
        p++;
    }
    if (digits == 0) {
        *why = "expected a string";
        return false;
    }
    if (p >= len || buf[p] != ':') {
        *why = "string length without ':'";
        return false;
    }
    p++;
    if (n > len - p) {
        *why = "string runs past the end";
        return false;
    }
    *s = buf + p;
    *slen = n;
    *pos = p + n;
    return true;
}

/* Parses "i<int>e" at *pos (buf[*pos] == 'i'). */
static bool be_parse_int(const char *buf, size_t len, size_t *pos, int64_t *out, const char **why)
{
    size_t p = *pos + 1;
    bool neg = false;
    uint64_t v = 0;
    size_t digits = 0;
    if (p < len && buf[p] == '-') {
        neg = true;
        p++;
    }
    size_t first = p;
    while (p < len && buf[p] >= '0' && buf[p] <= '9') {
        unsigned d = (unsigned)(buf[p] - '0');
        uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        if (v > (limit - d) / 10) {
            *why = "integer out of range";
            return false;
        }
        v = v * 10 + d;
        digits++;
        p++;
    }
    if (digits == 0 || p >= len || buf[p] != 'e') {
        *why = "malformed integer";
        return false;
    }
    if (buf[first] == '0' && (digits > 1 || neg)) {
        *why = "integer with leading zero or -0";
        return false;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    *pos = p + 1;
    return true;
}

const ctl_be *ctl_be_decode(ctl_be_doc *doc, const char *buf, size_t len)
{
    be_frame stack[CTL_BE_MAX_DEPTH];
    int depth = 0;
    size_t pos = 0;
    const char *why = NULL;

    doc->count = 0;
    doc->err = NULL;
    doc->err_off = 0;
    if (!buf || len == 0)
        return be_fail(doc, "empty message", 0);

    for (;;) {
        if (pos >= len)
            return be_fail(doc, "truncated", pos);
        be_frame *top = depth > 0 ? &stack[depth - 1] : NULL;
        ctl_be *parent = top ? &doc->nodes[top->node] : NULL;

        if (top && buf[pos] == 'e') {
            if (parent->type == CTL_BE_DICT && !top->want_key)
                return be_fail(doc, "dict key without value", pos);
            pos++;
            parent->raw_len = (size_t)(buf + pos - parent->raw);
            depth--;
            if (depth == 0)
                break;
            if (doc->nodes[stack[depth - 1].node].type == CTL_BE_DICT)
                stack[depth - 1].want_key = true;
            continue;
        }
        if (top && parent->type == CTL_BE_DICT && top->want_key) {
            const char *k;
            size_t klen;
            if (!be_parse_str(buf, len, &pos, &k, &klen, &why))
                return be_fail(doc, why[0] == 'e' ? "dict key is not a string" : why, pos);
            if (parent->len >= CTL_BE_MAX_DICT)
                return be_fail(doc, "too many dict entries", pos);
            for (int32_t c = parent->child; c >= 0; c = doc->nodes[c].next)
                if (doc->nodes[c].key_len == klen && memcmp(doc->nodes[c].key, k, klen) == 0)
                    return be_fail(doc, "duplicate dict key", pos);
            top->key = k;
            top->key_len = klen;
            top->want_key = false;
            continue;
        }

        /* A value. */
        if (doc->count >= CTL_BE_MAX_NODES)
            return be_fail(doc, "too many nodes", pos);
        int32_t idx = (int32_t)doc->count++;
        ctl_be *n = &doc->nodes[idx];
        memset(n, 0, sizeof(*n));
        n->child = -1;
        n->next = -1;
        n->raw = buf + pos;
        if (top) {
            if (parent->type == CTL_BE_DICT) {
                n->key = top->key;
                n->key_len = top->key_len;
                top->want_key = true;
            }
            if (top->last >= 0)
                doc->nodes[top->last].next = idx;
            else
                parent->child = idx;
            top->last = idx;
            parent->len++;
        }
        char c = buf[pos];
        if (c == 'i') {
            n->type = CTL_BE_INT;
            if (!be_parse_int(buf, len, &pos, &n->i, &why))
                return be_fail(doc, why, pos);
        } else if (c >= '0' && c <= '9') {
            n->type = CTL_BE_STR;
            if (!be_parse_str(buf, len, &pos, &n->s, &n->len, &why))
                return be_fail(doc, why, pos);
        } else if (c == 'l' || c == 'd') {
            if (depth >= CTL_BE_MAX_DEPTH)
                return be_fail(doc, "nesting too deep", pos);
            n->type = c == 'l' ? CTL_BE_LIST : CTL_BE_DICT;
            stack[depth].node = idx;
            stack[depth].last = -1;
            stack[depth].want_key = true;
            stack[depth].key = NULL;
            stack[depth].key_len = 0;
            depth++;
            pos++;
            continue;
        } else {
            return be_fail(doc, "unexpected byte", pos);
        }
        n->raw_len = (size_t)(buf + pos - n->raw);
        if (depth == 0)
            break;
    }
    if (pos != len)
        return be_fail(doc, "trailing bytes", pos);
    return &doc->nodes[0];
}

const ctl_be *ctl_be_first(const ctl_be_doc *doc, const ctl_be *n)
{
    if (!n || (n->type != CTL_BE_LIST && n->type != CTL_BE_DICT) || n->child < 0)
        return NULL;
    return &doc->nodes[n->child];
}

const ctl_be *ctl_be_next(const ctl_be_doc *doc, const ctl_be *n)
{
    if (!n || n->next < 0)
        return NULL;
    return &doc->nodes[n->next];
}

const ctl_be *ctl_be_get(const ctl_be_doc *doc, const ctl_be *d, const char *key)
{
    if (!d || d->type != CTL_BE_DICT)
        return NULL;
    size_t klen = strlen(key);
    for (const ctl_be *c = ctl_be_first(doc, d); c; c = ctl_be_next(doc, c))
        if (c->key_len == klen && memcmp(c->key, key, klen) == 0)
            return c;
    return NULL;
}

bool ctl_be_get_int(const ctl_be_doc *doc, const ctl_be *d, const char *key, int64_t *out)
{
    const ctl_be *v = ctl_be_get(doc, d, key);
    if (!v || v->type != CTL_BE_INT)
        return false;
    *out = v->i;
    return true;
}

bool ctl_be_get_str(const ctl_be_doc *doc, const ctl_be *d, const char *key, const char **s,
                    size_t *len)
{
    const ctl_be *v = ctl_be_get(doc, d, key);
    if (!v || v->type != CTL_BE_STR)
        return false;
    *s = v->s;
    *len = v->len;
    return true;
}

bool ctl_be_get_cstr(const ctl_be_doc *doc, const ctl_be *d, const char *key, char *out, size_t cap)
{
    const char *s;
    size_t len;
    if (cap == 0 || !ctl_be_get_str(doc, d, key, &s, &len) || len >= cap || memchr(s, 0, len))
        return false;
    memcpy(out, s, len);
    out[len] = 0;
    return true;
}

bool ctl_be_str_eq(const ctl_be *n, const char *s)
{
    size_t l = strlen(s);
    return n && n->type == CTL_BE_STR && n->len == l && memcmp(n->s, s, l) == 0;
}

/* ---- writer ---- */

void ctl_benc_init(ctl_benc *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = false;
    w->depth = 0;
}

void ctl_benc_raw(ctl_benc *w, const void *s, size_t len)
{
    if (w->overflow || len > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    if (len)
        memcpy(w->buf + w->len, s, len);
    w->len += len;
}

void ctl_benc_dict(ctl_benc *w)
{
    ctl_benc_raw(w, "d", 1);
    w->depth++;
}

void ctl_benc_list(ctl_benc *w)
{
    ctl_benc_raw(w, "l", 1);
    w->depth++;
}

void ctl_benc_end(ctl_benc *w)
{
    ctl_benc_raw(w, "e", 1);
    w->depth--;
}

void ctl_benc_int(ctl_benc *w, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "i%llde", (long long)v);
    ctl_benc_raw(w, tmp, (size_t)n);
}

void ctl_benc_str(ctl_benc *w, const void *s, size_t len)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%zu:", len);
    ctl_benc_raw(w, tmp, (size_t)n);
    ctl_benc_raw(w, s, len);
}

void ctl_benc_cstr(ctl_benc *w, const char *s)
{
    ctl_benc_str(w, s, strlen(s));
}

void ctl_benc_kv_str(ctl_benc *w, const char *key, const void *s, size_t len)
{
    ctl_benc_cstr(w, key);
    ctl_benc_str(w, s, len);
}

void ctl_benc_kv_cstr(ctl_benc *w, const char *key, const char *s)
{
    ctl_benc_cstr(w, key);
    ctl_benc_cstr(w, s);
}

void ctl_benc_kv_int(ctl_benc *w, const char *key, int64_t v)
{
    ctl_benc_cstr(w, key);
    ctl_benc_int(w, v);
}

bool ctl_benc_ok(const ctl_benc *w)
{
    return !w->overflow && w->depth == 0;
}
