/*
 * leb.h -- reading the WebAssembly binary format's primitive encodings:
 * LEB128 integers with the spec's exact bounds, fixed-width float bits,
 * length-prefixed byte vectors and UTF-8 names.
 *
 * Shared by decode.c (sections) and validate.c (function bodies). Every
 * reader function takes a leb_reader, never reads at or past r->end, and
 * returns LEB_OK or a negative LEB_E* code; outputs are zeroed on failure
 * (so callers never see indeterminate values). On failure r->p is left at the
 * position the spec's reference interpreter reports for that error, so
 * leb_offset(r) is the error's byte offset and leb_message(code) its text.
 * The reader is not usable after a failure.
 */
#ifndef HIVE_WASM_LEB_H
#define HIVE_WASM_LEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct leb_reader {
    const uint8_t *p;     /* next byte to read */
    const uint8_t *end;   /* one past the last readable byte */
    const uint8_t *start; /* the byte at offset `base` (for leb_offset) */
    size_t base;          /* offset of `start` in the module */
} leb_reader;

enum {
    LEB_OK = 0,
    LEB_EEND = -1,    /* input ends inside the item */
    LEB_ELONG = -2,   /* more LEB128 bytes than the type allows */
    LEB_ELARGE = -3,  /* LEB128 unused bits not zero (or sign) */
    LEB_EUTF8 = -4,   /* name is not valid UTF-8 */
    LEB_ELENGTH = -5  /* a length prefix exceeds the bytes left */
};

/* The spec's wording for a LEB_E* code. */
static inline const char *leb_message(int code) {
    switch (code) {
    case LEB_EEND: return "unexpected end of section or function";
    case LEB_ELONG: return "integer representation too long";
    case LEB_ELARGE: return "integer too large";
    case LEB_EUTF8: return "malformed UTF-8 encoding";
    case LEB_ELENGTH: return "length out of bounds";
    }
    return "malformed";
}

/* A reader over [p, p + n) whose first byte is at module offset base. */
static inline void leb_init(leb_reader *r, const uint8_t *p, size_t n, size_t base) {
    r->p = p;
    r->end = p + n;
    r->start = p;
    r->base = base;
}

/* Module offset of the next byte. */
static inline size_t leb_offset(const leb_reader *r) {
    return r->base + (size_t)(r->p - r->start);
}

static inline size_t leb_remaining(const leb_reader *r) { return (size_t)(r->end - r->p); }

static inline bool leb_eof(const leb_reader *r) { return r->p >= r->end; }

/* Reads one byte. */
static inline int leb_byte(leb_reader *r, uint8_t *out) {
    *out = 0;
    if (r->p >= r->end) return LEB_EEND;
    *out = *r->p++;
    return LEB_OK;
}

/* Reads the next byte without consuming it; LEB_EEND at the end. */
static inline int leb_peek(const leb_reader *r, uint8_t *out) {
    *out = 0;
    if (r->p >= r->end) return LEB_EEND;
    *out = *r->p;
    return LEB_OK;
}

/* Consumes n bytes, giving their address in *out (may be NULL). */
static inline int leb_bytes(leb_reader *r, size_t n, const uint8_t **out) {
    if (n > leb_remaining(r)) {
        if (out) *out = NULL;
        r->p = r->end;
        return LEB_EEND;
    }
    if (out) *out = r->p;
    r->p += n;
    return LEB_OK;
}

/* Unsigned LEB128 of a `bits`-wide integer (1..64): at most ceil(bits/7)
 * bytes, and the unused high bits of the last byte must be zero. */
static inline int leb_uN(leb_reader *r, int bits, uint64_t *out) {
    uint64_t result = 0;
    unsigned shift = 0;
    int n = bits;
    *out = 0;
    for (;;) {
        if (n <= 0) return LEB_ELONG;
        if (r->p >= r->end) return LEB_EEND;
        uint8_t b = *r->p;
        if (n < 7 && (unsigned)(b & 0x7f) >= (1u << n)) return LEB_ELARGE;
        r->p++;
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        n -= 7;
        if (!(b & 0x80)) {
            *out = result;
            return LEB_OK;
        }
    }
}

/* Signed LEB128 of a `bits`-wide integer (1..64): at most ceil(bits/7)
 * bytes, and the unused high bits of the last byte must all equal its
 * sign bit. The result is sign-extended to 64 bits. */
static inline int leb_sN(leb_reader *r, int bits, int64_t *out) {
    uint64_t result = 0;
    unsigned shift = 0;
    int n = bits;
    *out = 0;
    for (;;) {
        if (n <= 0) return LEB_ELONG;
        if (r->p >= r->end) return LEB_EEND;
        uint8_t b = *r->p;
        if (n < 7) {
            uint8_t mask = (uint8_t)((0xffu << (n - 1)) & 0x7fu);
            if ((b & mask) != 0 && (b & mask) != mask) return LEB_ELARGE;
        }
        r->p++;
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        n -= 7;
        if (!(b & 0x80)) {
            if (shift < 64 && (b & 0x40)) result |= ~(uint64_t)0 << shift;
            *out = (int64_t)result;
            return LEB_OK;
        }
    }
}

static inline int leb_u32(leb_reader *r, uint32_t *out) {
    if (__builtin_expect(r->p < r->end && *r->p < 0x80, 1)) { /* one byte: most of them */
        *out = *r->p++;
        return LEB_OK;
    }
    uint64_t v;
    int rc = leb_uN(r, 32, &v);
    *out = (uint32_t)v; /* 0 on failure */
    return rc;
}

static inline int leb_u64(leb_reader *r, uint64_t *out) { return leb_uN(r, 64, out); }

static inline int leb_s32(leb_reader *r, int32_t *out) {
    if (__builtin_expect(r->p < r->end && *r->p < 0x80, 1)) { /* one byte, sign in bit 6 */
        *out = (int32_t)((uint32_t)*r->p++ << 25) >> 25;
        return LEB_OK;
    }
    int64_t v;
    int rc = leb_sN(r, 32, &v);
    *out = (int32_t)v; /* in range: leb_sN checked the bits; 0 on failure */
    return rc;
}

/* s33, as used by block types (a type index when non-negative). */
static inline int leb_s33(leb_reader *r, int64_t *out) { return leb_sN(r, 33, out); }

static inline int leb_s64(leb_reader *r, int64_t *out) { return leb_sN(r, 64, out); }

/* Little-endian IEEE-754 single, as bits. */
static inline int leb_f32(leb_reader *r, uint32_t *bits) {
    const uint8_t *q;
    *bits = 0;
    if (leb_bytes(r, 4, &q) != LEB_OK) return LEB_EEND;
    *bits = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    return LEB_OK;
}

/* Little-endian IEEE-754 double, as bits. */
static inline int leb_f64(leb_reader *r, uint64_t *bits) {
    const uint8_t *q;
    *bits = 0;
    if (leb_bytes(r, 8, &q) != LEB_OK) return LEB_EEND;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | q[i];
    *bits = v;
    return LEB_OK;
}

/* A u32 length or count that must not exceed the bytes left in the
 * reader, counted from the length's own first byte (the reference
 * interpreter's rule). LEB_ELENGTH leaves r->p at that first byte. */
static inline int leb_len(leb_reader *r, uint32_t *out) {
    const uint8_t *at = r->p;
    uint32_t n;
    *out = 0;
    int rc = leb_u32(r, &n);
    if (rc != LEB_OK) return rc;
    if ((uint64_t)n > (uint64_t)(r->end - at)) {
        r->p = at;
        return LEB_ELENGTH;
    }
    *out = n;
    return LEB_OK;
}

/* True when s[0..n) is well-formed UTF-8: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
 * sequence, no stray continuation byte. */
static inline bool leb_utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0) lo = 0xa0;      /* overlong */
            else if (c == 0xed) hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0) lo = 0x90;      /* overlong */
            else if (c == 0xf4) hi = 0x8f; /* above U+10FFFF */
        } else {
            return false; /* continuation byte, C0/C1 overlong, F5..FF */
        }
        if (len > n - i) return false;
        if (s[i + 1] < lo || s[i + 1] > hi) return false;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80) return false;
        i += len;
    }
    return true;
}

/* A name: a u32 length (see leb_len), that many bytes, valid UTF-8. On
 * LEB_EUTF8 (and LEB_ELENGTH) r->p is left at the length's first byte. */
static inline int leb_name(leb_reader *r, const uint8_t **ptr, uint32_t *len) {
    const uint8_t *at = r->p;
    uint32_t n;
    *ptr = NULL;
    *len = 0;
    int rc = leb_len(r, &n);
    if (rc != LEB_OK) return rc;
    const uint8_t *q;
    rc = leb_bytes(r, n, &q);
    if (rc != LEB_OK) return rc;
    if (!leb_utf8_valid(q, n)) {
        r->p = at;
        return LEB_EUTF8;
    }
    *ptr = q;
    *len = n;
    return LEB_OK;
}

#endif
