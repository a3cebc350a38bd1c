/*
 * hive/cvalue.h -- the component model's value types and values.
 *
 * hive_ctype  a type descriptor: a tree of nodes, immutable once built and
 *             reference counted, so one descriptor may be shared by many
 *             owners (a compiled component and every call made through it)
 *             and read from many threads at once. The primitive types are
 *             static: retain and release do nothing to them.
 * hive_cval   a value: a tagged tree. A hive_cval lives where the caller
 *             puts it (on the stack, in an array); hive_cval_clear() frees
 *             what it owns (strings, elements, payloads) and leaves it
 *             empty (kind HIVE_C_NONE). A zeroed hive_cval is empty.
 *
 * A value does not carry its type; record field names, case names and
 * resource types come from the hive_ctype it is read with. Text in and out
 * follows WAVE, the WebAssembly Value Encoding (see hive_cval_parse).
 *
 * Errors follow hive/wasm.h: negative HIVE_E* codes, and a hive_error to
 * fill (may be NULL) where the reason is worth reading.
 */
#ifndef HIVE_CVALUE_H
#define HIVE_CVALUE_H

#include <stddef.h>
#include <stdint.h>

#include "hive/wasm.h"

HIVE_API_BEGIN /* exported by libhive.so (hive/version.h) */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- kinds -------------------------------------------------------------- */

typedef enum hive_ckind {
    HIVE_C_NONE = 0, /* an empty value; never a type */
    HIVE_C_BOOL,
    HIVE_C_S8,
    HIVE_C_U8,
    HIVE_C_S16,
    HIVE_C_U16,
    HIVE_C_S32,
    HIVE_C_U32,
    HIVE_C_S64,
    HIVE_C_U64,
    HIVE_C_F32,
    HIVE_C_F64,
    HIVE_C_CHAR,
    HIVE_C_STRING,
    HIVE_C_LIST,       /* list<T> */
    HIVE_C_FIXED_LIST, /* list<T, N>, N > 0 */
    HIVE_C_RECORD,
    HIVE_C_TUPLE,
    HIVE_C_VARIANT,
    HIVE_C_ENUM,
    HIVE_C_OPTION,
    HIVE_C_RESULT,
    HIVE_C_FLAGS,
    HIVE_C_MAP,        /* map<K, V> */
    HIVE_C_OWN,        /* own<R> */
    HIVE_C_BORROW,     /* borrow<R> */
    HIVE_C_STREAM,     /* stream<T?> (async) */
    HIVE_C_FUTURE,     /* future<T?> (async) */
    HIVE_C_ERROR_CONTEXT,
    HIVE_C_PACKED,     /* a value only, never a type: a list<T> of a
                          numeric T held packed (see of.packed) */
    HIVE_C_KIND_COUNT
} hive_ckind;

/* The kind's WIT name ("u32", "list", "own"...), or "?" when out of range. */
const char *hive_ckind_name(hive_ckind kind);

/* ---- types -------------------------------------------------------------- */

typedef struct hive_ctype hive_ctype;

/* One labelled or positional member of a type. */
typedef struct hive_ccase {
    const char *name; /* RECORD field, VARIANT case, ENUM or FLAGS label
                         (NUL-terminated, owned by the type); NULL in TUPLE */
    hive_ctype *type; /* RECORD field and TUPLE element type; VARIANT case
                         payload or NULL (no payload); NULL in ENUM, FLAGS */
} hive_ccase;

/* Read the fields; build only with the constructors below. */
struct hive_ctype {
    hive_ckind kind;
    uint32_t refs_;     /* private; 0 in the static primitive types */
    hive_ctype *elem;   /* LIST, FIXED_LIST, OPTION: the element type.
                           RESULT: the ok type, NULL for none.
                           STREAM, FUTURE: the payload type, or NULL.
                           MAP: the key type. */
    hive_ctype *elem2;  /* RESULT: the error type, NULL for none.
                           MAP: the value type. */
    uint32_t len;       /* FIXED_LIST: the length */
    uint32_t n;         /* RECORD, TUPLE, VARIANT, ENUM, FLAGS: count of */
    hive_ccase *cases;  /* ... these members, in declaration order */
    const void *resource; /* OWN, BORROW: the resource type's identity (an
                             object defined by hive/component.h); two
                             handle types are equal when these are */
    const char *name;   /* OWN, BORROW: the resource's name for messages
                           (owned by the type), or NULL */
};

/* The static descriptor of a primitive kind (BOOL..STRING and
 * ERROR_CONTEXT), or NULL for other kinds. */
hive_ctype *hive_ctype_prim(hive_ckind kind);

/* Constructors. Each one takes over the references to the types passed in
 * (the caller gives up one reference to each), also when it fails: then it
 * releases them and returns NULL (out of memory, or a bad argument: a
 * duplicate or empty label, NULL where a type is required, n == 0 where
 * the spec requires members, more than 32 flags). Names are copied. */
hive_ctype *hive_ctype_list(hive_ctype *elem);
hive_ctype *hive_ctype_fixed_list(hive_ctype *elem, uint32_t len);
hive_ctype *hive_ctype_option(hive_ctype *elem);
hive_ctype *hive_ctype_result(hive_ctype *ok, hive_ctype *err); /* each may be NULL */
hive_ctype *hive_ctype_map(hive_ctype *key, hive_ctype *value);
hive_ctype *hive_ctype_record(size_t n, const char *const *names, hive_ctype *const *types);
hive_ctype *hive_ctype_tuple(size_t n, hive_ctype *const *types);
/* types may be NULL (no case has a payload), and types[i] NULL. */
hive_ctype *hive_ctype_variant(size_t n, const char *const *names, hive_ctype *const *types);
hive_ctype *hive_ctype_enum(size_t n, const char *const *names);
hive_ctype *hive_ctype_flags(size_t n, const char *const *names);
/* kind is HIVE_C_OWN or HIVE_C_BORROW; name may be NULL. */
hive_ctype *hive_ctype_handle(hive_ckind kind, const void *resource, const char *name);
/* kind is HIVE_C_STREAM or HIVE_C_FUTURE; elem may be NULL. */
hive_ctype *hive_ctype_async(hive_ckind kind, hive_ctype *elem);

/* Returns t (NULL ok). Thread-safe. */
hive_ctype *hive_ctype_retain(hive_ctype *t);
/* Drops one reference; frees the tree at zero. NULL ok. Thread-safe. */
void hive_ctype_release(hive_ctype *t);

/* 1 when a and b are the same type structurally (labels included; handle
 * types compare their resource identity), else 0. */
int hive_ctype_equal(const hive_ctype *a, const hive_ctype *b);
/* Index of the member labelled name (RECORD, VARIANT, ENUM, FLAGS), or -1. */
int hive_ctype_find(const hive_ctype *t, const char *name, size_t name_len);

/* WIT syntax: "u32", "list<string>", "record { a: u32, b: string }",
 * "result<_, string>", "own<file>"... In *out, a NUL-terminated string the
 * caller frees with free(). Returns HIVE_OK or HIVE_ENOMEM. */
int hive_ctype_format(const hive_ctype *t, char **out);

/* ---- values ------------------------------------------------------------- */

typedef struct hive_cval hive_cval;

struct hive_cval {
    hive_ckind kind; /* HIVE_C_NONE when empty */
    union {
        int b;                 /* BOOL: 0 or 1 */
        int64_t s;             /* S8, S16, S32, S64 (in range of the kind) */
        uint64_t u;            /* U8, U16, U32, U64 (in range of the kind) */
        float f32;             /* F32 */
        double f64;            /* F64 */
        uint32_t ch;           /* CHAR: a Unicode scalar value */
        struct {
            char *ptr;         /* UTF-8, owned, NUL-terminated after len */
            size_t len;        /* in bytes */
        } str;                 /* STRING */
        struct {
            hive_cval *items;  /* owned; NULL when n is 0 */
            size_t n;
        } agg;                 /* LIST, FIXED_LIST; RECORD fields and TUPLE
                                  elements in type order; MAP: n TUPLE
                                  values of (key, value) */
        struct {
            uint32_t index;    /* VARIANT, ENUM: the case index.
                                  OPTION: 0 none, 1 some.
                                  RESULT: 0 ok, 1 err. */
            hive_cval *payload; /* owned, or NULL when the case has none */
        } var;
        struct {
            uint8_t *data;     /* owned (malloc); n elements of elem, each
                                  in little-endian as in linear memory;
                                  NULL when n is 0 */
            uint32_t n;        /* element count */
            hive_ckind elem;   /* U8..U64, S8..S64, F32, F64 */
        } packed;              /* PACKED: a list<elem> value */
        uint64_t flags;        /* FLAGS: bit i set when label i is */
        struct {
            uint32_t handle;   /* OWN, BORROW: the handle index;
                                  STREAM, FUTURE, ERROR_CONTEXT: likewise */
            void *host;        /* meaning given by hive/component.h (e.g. the
                                  representation of a host resource) */
        } res;
    } of;
};

/* Scalar values (nothing to free). */
static inline hive_cval hive_cval_bool(int b) {
    hive_cval v; v.kind = HIVE_C_BOOL; v.of.b = b ? 1 : 0; return v;
}
/* kind is S8..S64; the value is not range-checked here (hive_cval_check). */
static inline hive_cval hive_cval_sint(hive_ckind kind, int64_t x) {
    hive_cval v; v.kind = kind; v.of.s = x; return v;
}
/* kind is U8..U64. */
static inline hive_cval hive_cval_uint(hive_ckind kind, uint64_t x) {
    hive_cval v; v.kind = kind; v.of.u = x; return v;
}
static inline hive_cval hive_cval_f32(float x) {
    hive_cval v; v.kind = HIVE_C_F32; v.of.f32 = x; return v;
}
static inline hive_cval hive_cval_f64(double x) {
    hive_cval v; v.kind = HIVE_C_F64; v.of.f64 = x; return v;
}
static inline hive_cval hive_cval_char(uint32_t c) {
    hive_cval v; v.kind = HIVE_C_CHAR; v.of.ch = c; return v;
}
static inline hive_cval hive_cval_enum(uint32_t index) {
    hive_cval v; v.kind = HIVE_C_ENUM; v.of.var.index = index; v.of.var.payload = NULL; return v;
}
static inline hive_cval hive_cval_flags(uint64_t bits) {
    hive_cval v; v.kind = HIVE_C_FLAGS; v.of.flags = bits; return v;
}
/* kind is OWN, BORROW, STREAM, FUTURE or ERROR_CONTEXT. */
static inline hive_cval hive_cval_handle(hive_ckind kind, uint32_t handle, void *host) {
    hive_cval v; v.kind = kind; v.of.res.handle = handle; v.of.res.host = host; return v;
}

/* A string: copies len bytes of s, which must be valid UTF-8 (else
 * HIVE_EARG). On failure *out is empty. */
int hive_cval_string(hive_cval *out, const char *s, size_t len);
/* An aggregate of kind LIST, FIXED_LIST, RECORD, TUPLE or MAP with n empty
 * items (out->of.agg.items) for the caller to fill in place. */
int hive_cval_agg(hive_cval *out, hive_ckind kind, size_t n);
/* A VARIANT, OPTION or RESULT (or ENUM, payload NULL) with the case index;
 * payload (may be NULL) is moved into the new value and left empty. On
 * failure *out is empty and *payload is cleared. */
int hive_cval_case(hive_cval *out, hive_ckind kind, uint32_t index, hive_cval *payload);

/*
 * Packed lists. A list<T> of a numeric T (u8..u64, s8..s64, f32, f64) may
 * be held as one buffer instead of n hive_cval items: kind HIVE_C_PACKED,
 * of.packed. Both forms are values of type list<T> (hive_cval_check,
 * hive_cval_equal, hive_cval_format treat them alike). Lifting from a
 * component always gives the packed form for such lists (one memcpy);
 * lowering takes either. Host functions thus read list<u8> arguments as
 * of.packed.data / of.packed.n (hive_cval_bytes) and may return results in
 * either form. Floats lift with NaNs canonicalised, as item values do.
 */
/* The byte size of a numeric kind (U8..F64 but not BOOL, CHAR), else 0. */
size_t hive_ckind_size(hive_ckind kind);
/* A packed list of n elements of kind elem, copied from data (n *
 * hive_ckind_size(elem) bytes, little-endian), or zeroed when data is
 * NULL. HIVE_EARG for a kind that cannot be packed or n >= 2^32. */
int hive_cval_packed(hive_cval *out, hive_ckind elem, const void *data, size_t n);
/* Likewise, taking over data (from malloc; freed on failure too). */
int hive_cval_packed_adopt(hive_cval *out, hive_ckind elem, void *data, size_t n);
/* The bytes of a packed list<u8> (or of any packed list, as bytes):
 * returns the data and sets *len to its byte length; NULL (and *len 0)
 * when v is not PACKED or is empty. */
const uint8_t *hive_cval_bytes(const hive_cval *v, size_t *len);
/* Converts a LIST whose items are all of kind elem into the packed form
 * in place (a PACKED of elem stays as it is); HIVE_EARG when v is neither,
 * HIVE_ENOMEM (v unchanged). */
int hive_cval_pack(hive_cval *v, hive_ckind elem);
/* Converts a PACKED value into a LIST of items in place (other values are
 * left as they are). HIVE_ENOMEM (v unchanged). */
int hive_cval_unpack(hive_cval *v);
/* Element i of a PACKED value as a scalar value (i < of.packed.n). */
hive_cval hive_cval_packed_get(const hive_cval *v, size_t i);

/* Frees what v owns; v is then empty. NULL ok. */
void hive_cval_clear(hive_cval *v);
/* Moves src into *dst (which must be empty or is cleared first); src is
 * left empty. */
void hive_cval_move(hive_cval *dst, hive_cval *src);
/* A deep copy of src into *dst (treated as empty). On failure *dst is
 * empty. */
int hive_cval_copy(hive_cval *dst, const hive_cval *src);

/* Deep equality: 1 or 0. Floats compare by value, except that any NaN
 * equals any NaN (the component model has one NaN) and 0.0 and -0.0 are
 * told apart. Handles compare their handle indexes. */
int hive_cval_equal(const hive_cval *a, const hive_cval *b);

/* Checks that v is a value of type t (kinds, integer ranges, char being a
 * scalar value, lengths, case indexes and payload presence, flag bits).
 * Returns HIVE_OK or HIVE_EARG with err saying where and why. */
int hive_cval_check(const hive_cval *v, const hive_ctype *t, hive_error *err);

/* ---- text (WAVE) -------------------------------------------------------- */

/*
 * Values are written as WAVE literals (wasm-wave's syntax), read with
 * their type:
 *   bool         true, false
 *   integers     42, -7            floats  1.5, -0, 1e-3, nan, inf, -inf
 *   char         'x', '\n', '\u{1f600}'   (escapes \t \n \r \' \" \\ \u{..})
 *   string       "abc", and multiline: """ then a line break, lines, and
 *                a last line of spaces then """ (those spaces are removed
 *                from every line; the last line break is not included)
 *   list         [1, 2, 3]         (also list<T, N>)
 *   map          {"k": 1, "j": 2}, empty {:} (or {})
 *   record       {a: 1, b: "x"}    (option fields may be left out: none;
 *                                   {:} when all of them are)
 *   tuple        (1, "x")
 *   variant      case, case(payload)      enum  case
 *   option       some(3), none, or the bare payload: 3
 *   result       ok, ok(x), err, err(e), or the bare ok payload: x
 *   flags        {}, {read, write}
 *   handles      #3                (own, borrow, stream, future,
 *                                   error-context: the handle index; this
 *                                   form is hive's, WAVE has none)
 * A label that is a keyword (true, false, some, none, ok, err, inf, nan) is
 * written with a leading %, e.g. %none; any label may be. Whitespace and
 * // comments may appear between tokens; trailing commas are allowed.
 */

/* Parses one value of type t from text[0..len). On failure *out is empty,
 * the code is HIVE_EARG and err->offset is the byte offset in text. */
int hive_cval_parse(const hive_ctype *t, const char *text, size_t len, hive_cval *out,
                    hive_error *err);
/* Writes v (of type t) as WAVE text into *out, a NUL-terminated string
 * the caller frees with free(). Floats are written in the fewest digits
 * that read back to the same value. Returns HIVE_OK, HIVE_ENOMEM, or
 * HIVE_EARG when v is not of type t. */
int hive_cval_format(const hive_cval *v, const hive_ctype *t, char **out);

#ifdef __cplusplus
}
#endif
HIVE_API_END
#endif
