/*
 * json.c -- a small recursive-descent JSON reader for the spec-suite
 * runner (see json.h). Nesting is limited to JSON_MAX_DEPTH levels so a
 * hostile document cannot exhaust the C stack.
 */
#include "json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

typedef struct json_parser {
    const char *p;   /* next byte */
    const char *end; /* one past the last byte */
    const char *start;
    char *err;
    size_t errlen;
    int failed;
} json_parser;

static int parse_value(json_parser *ps, json_value *out, int depth);

/* Records the first error with its byte offset; returns -1. */
static int fail(json_parser *ps, const char *fmt, ...)
{
    if (!ps->failed && ps->errlen > 0) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(ps->err, ps->errlen, "offset %zu: %s", (size_t)(ps->p - ps->start), msg);
    }
    ps->failed = 1;
    return -1;
}

/* Skips JSON whitespace. */
static void skip_ws(json_parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* A growable byte buffer for string decoding. */
typedef struct strbuf {
    char *data;
    size_t len, cap;
} strbuf;

/* Appends n bytes; returns 0 or -1 when out of memory. */
static int sb_put(strbuf *sb, const char *s, size_t n)
{
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 32;
        while (cap < sb->len + n + 1)
            cap *= 2;
        char *d = realloc(sb->data, cap);
        if (!d)
            return -1;
        sb->data = d;
        sb->cap = cap;
    }
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}

/* Appends the UTF-8 encoding of code point cp (<= 0x10FFFF). */
static int sb_put_utf8(strbuf *sb, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return sb_put(sb, b, n);
}

/* Reads the four hex digits of a \u escape (ps->p at the first digit). */
static int parse_hex4(json_parser *ps, uint32_t *out)
{
    uint32_t v = 0;
    if (ps->end - ps->p < 4)
        return fail(ps, "truncated \\u escape");
    for (int i = 0; i < 4; i++) {
        char c = *ps->p++;
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return fail(ps, "bad hex digit in \\u escape");
    }
    *out = v;
    return 0;
}

/* Parses a string (ps->p at the opening quote) into a fresh buffer. A lone
 * surrogate is kept as its 3-byte (WTF-8) encoding rather than rejected. */
static int parse_string(json_parser *ps, char **out, size_t *out_len)
{
    strbuf sb = {0};
    ps->p++; /* opening quote */
    if (sb_put(&sb, "", 0) < 0)
        return fail(ps, "out of memory");
    for (;;) {
        const char *run = ps->p;
        while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' &&
               (unsigned char)*ps->p >= 0x20)
            ps->p++;
        if (sb_put(&sb, run, (size_t)(ps->p - run)) < 0)
            goto oom;
        if (ps->p >= ps->end) {
            fail(ps, "unterminated string");
            goto bad;
        }
        char c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c != '\\') {
            fail(ps, "control character in string");
            goto bad;
        }
        ps->p++;
        if (ps->p >= ps->end) {
            fail(ps, "unterminated escape");
            goto bad;
        }
        char e = *ps->p++;
        const char *lit = NULL;
        switch (e) {
        case '"': lit = "\""; break;
        case '\\': lit = "\\"; break;
        case '/': lit = "/"; break;
        case 'b': lit = "\b"; break;
        case 'f': lit = "\f"; break;
        case 'n': lit = "\n"; break;
        case 'r': lit = "\r"; break;
        case 't': lit = "\t"; break;
        case 'u': {
            uint32_t cp;
            if (parse_hex4(ps, &cp) < 0)
                goto bad;
            if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                ps->p[1] == 'u') {
                const char *save = ps->p;
                uint32_t lo;
                ps->p += 2;
                if (parse_hex4(ps, &lo) < 0)
                    goto bad;
                if (lo >= 0xDC00 && lo < 0xE000)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else
                    ps->p = save; /* not a pair: emit the high half alone */
            }
            if (sb_put_utf8(&sb, cp) < 0)
                goto oom;
            continue;
        }
        default:
            ps->p--;
            fail(ps, "unknown escape \\%c", e);
            goto bad;
        }
        if (sb_put(&sb, lit, 1) < 0)
            goto oom;
    }
    *out = sb.data;
    *out_len = sb.len;
    return 0;
oom:
    fail(ps, "out of memory");
bad:
    free(sb.data);
    return -1;
}

/* Parses a number per the JSON grammar, converted with strtod. */
static int parse_number(json_parser *ps, json_value *out)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return fail(ps, "bad number");
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "bad number fraction");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "bad number exponent");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    char tmp[64];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof tmp)
        return fail(ps, "number too long");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    out->kind = JSON_NUMBER;
    out->u.number = strtod(tmp, NULL);
    return 0;
}

/* Matches the literal word (true, false, null) at ps->p. */
static int match_word(json_parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return 0;
    ps->p += n;
    return 1;
}

/* Parses an array (ps->p at '['). On failure *out holds what was parsed so
 * far, for the caller to free. */
static int parse_array(json_parser *ps, json_value *out, int depth)
{
    size_t cap = 0;
    out->kind = JSON_ARRAY;
    out->u.array.items = NULL;
    out->u.array.count = 0;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return 0;
    }
    for (;;) {
        if (out->u.array.count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            json_value *items = realloc(out->u.array.items, ncap * sizeof *items);
            if (!items)
                return fail(ps, "out of memory");
            out->u.array.items = items;
            cap = ncap;
        }
        json_value *item = &out->u.array.items[out->u.array.count];
        item->kind = JSON_NULL;
        out->u.array.count++;
        skip_ws(ps);
        if (parse_value(ps, item, depth + 1) < 0)
            return -1;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return 0;
        }
        return fail(ps, "expected ',' or ']' in array");
    }
}

/* Parses an object (ps->p at '{'). On failure *out holds what was parsed
 * so far, for the caller to free. */
static int parse_object(json_parser *ps, json_value *out, int depth)
{
    size_t cap = 0;
    out->kind = JSON_OBJECT;
    out->u.object.members = NULL;
    out->u.object.count = 0;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return 0;
    }
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"')
            return fail(ps, "expected a member name");
        if (out->u.object.count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            json_member *m = realloc(out->u.object.members, ncap * sizeof *m);
            if (!m)
                return fail(ps, "out of memory");
            out->u.object.members = m;
            cap = ncap;
        }
        json_member *m = &out->u.object.members[out->u.object.count];
        m->value.kind = JSON_NULL;
        if (parse_string(ps, &m->key, &m->key_len) < 0)
            return -1;
        out->u.object.count++;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':')
            return fail(ps, "expected ':' after member name");
        ps->p++;
        skip_ws(ps);
        if (parse_value(ps, &m->value, depth + 1) < 0)
            return -1;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return 0;
        }
        return fail(ps, "expected ',' or '}' in object");
    }
}

/* Parses any value at ps->p (whitespace already skipped). */
static int parse_value(json_parser *ps, json_value *out, int depth)
{
    out->kind = JSON_NULL;
    if (depth > JSON_MAX_DEPTH)
        return fail(ps, "nesting deeper than %d", JSON_MAX_DEPTH);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input");
    switch (*ps->p) {
    case '{':
        return parse_object(ps, out, depth);
    case '[':
        return parse_array(ps, out, depth);
    case '"':
        if (parse_string(ps, &out->u.string.ptr, &out->u.string.len) < 0)
            return -1;
        out->kind = JSON_STRING;
        return 0;
    case 't':
    case 'f':
        if (match_word(ps, "true") || match_word(ps, "false")) {
            out->kind = JSON_BOOL;
            out->u.boolean = *(ps->p - 1) == 'e' && *(ps->p - 4) == 't';
            return 0;
        }
        return fail(ps, "unexpected word");
    case 'n':
        if (match_word(ps, "null"))
            return 0;
        return fail(ps, "unexpected word");
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps, out);
        return fail(ps, "unexpected character '%c'", *ps->p);
    }
}

int json_parse(const char *text, size_t len, json_value *out, char *err, size_t errlen)
{
    json_parser ps = {text, text + len, text, err, errlen, 0};
    if (errlen > 0)
        err[0] = '\0';
    out->kind = JSON_NULL;
    skip_ws(&ps);
    if (parse_value(&ps, out, 0) < 0) {
        json_free(out);
        return -1;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        fail(&ps, "trailing characters after the document");
        json_free(out);
        return -1;
    }
    return 0;
}

void json_free(json_value *v)
{
    if (!v)
        return;
    switch (v->kind) {
    case JSON_STRING:
        free(v->u.string.ptr);
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.array.count; i++)
            json_free(&v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.object.count; i++) {
            free(v->u.object.members[i].key);
            json_free(&v->u.object.members[i].value);
        }
        free(v->u.object.members);
        break;
    default:
        break;
    }
    v->kind = JSON_NULL;
}

const json_value *json_get(const json_value *obj, const char *key)
{
    if (!obj || obj->kind != JSON_OBJECT)
        return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->u.object.count; i++) {
        const json_member *m = &obj->u.object.members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return &m->value;
    }
    return NULL;
}

const char *json_string(const json_value *v)
{
    return v && v->kind == JSON_STRING ? v->u.string.ptr : NULL;
}

const char *json_get_string(const json_value *obj, const char *key)
{
    return json_string(json_get(obj, key));
}
