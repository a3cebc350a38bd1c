/*
 * json.h -- a small JSON reader for the spec-suite runner.
 *
 * Enough of RFC 8259 for wast2json's output: objects, arrays, strings
 * (all escapes, \uXXXX including surrogate pairs, decoded to UTF-8),
 * numbers, true/false/null. A parsed document is a tree of json_value
 * that owns all its storage; json_free() releases it.
 */
#ifndef HIVE_TESTS_JSON_H
#define HIVE_TESTS_JSON_H

#include <stddef.h>

typedef enum json_kind {
    JSON_NULL = 0,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_kind;

typedef struct json_value json_value;
typedef struct json_member json_member;

struct json_value {
    json_kind kind;
    union {
        int boolean;
        double number;
        struct {
            char *ptr;  /* NUL-terminated; may also contain NULs (see len) */
            size_t len;
        } string;
        struct {
            json_value *items;
            size_t count;
        } array;
        struct {
            json_member *members; /* in document order */
            size_t count;
        } object;
    } u;
};

struct json_member {
    char *key; /* NUL-terminated, key_len bytes */
    size_t key_len;
    json_value value;
};

/* Parses len bytes of text into *out. Returns 0 on success; on failure
 * returns -1, leaves *out as JSON_NULL (nothing to free) and writes a
 * message with the byte offset into err (errlen bytes, may be 0). */
int json_parse(const char *text, size_t len, json_value *out, char *err, size_t errlen);

/* Frees everything below v and resets it to JSON_NULL. NULL ok. */
void json_free(json_value *v);

/* The member of object obj named key (a C string), or NULL when obj is not
 * an object or has no such member. The first match wins. */
const json_value *json_get(const json_value *obj, const char *key);

/* The string of v, or NULL when v is NULL or not a string. */
const char *json_string(const json_value *v);

/* Shorthand: json_string(json_get(obj, key)). */
const char *json_get_string(const json_value *obj, const char *key);

#endif
