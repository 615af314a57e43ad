/* Thin helpers over yajl: parse to a tree, read typed fields, generate.
   Modules turn trees into their own structs at once (STYLE.md rule 5). */
#ifndef CL_JSON_H
#define CL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "error.h"

/* Deeper documents are refused before yajl sees them.  OCI manifests,
   indexes and image configs nest five or six levels; 256 leaves room for
   any label or annotation a tool might write. */
#define JSON_MAX_DEPTH 256
int json_parse (const char *buf, yajl_val *out, struct cl_error *err);
void cleanup_jsonp (yajl_val *v);
#define cleanup_json __attribute__ ((cleanup (cleanup_jsonp)))

/* Field of an object, or NULL when missing or of another type. */
yajl_val json_get (yajl_val obj, const char *key);
const char *json_get_str (yajl_val obj, const char *key);
yajl_val json_get_obj (yajl_val obj, const char *key);
yajl_val json_get_arr (yajl_val obj, const char *key);
bool json_get_int (yajl_val obj, const char *key, long long *out);
/* false when missing or not a boolean. */
bool json_get_bool (yajl_val obj, const char *key);
/* A NULL-terminated copy of an array of strings; NULL if not one. */
char **json_get_strv (yajl_val obj, const char *key);

/* Generation: a yajl_gen with compact output. */
yajl_gen json_gen_new (bool pretty);
void cleanup_json_genp (yajl_gen *g);
#define cleanup_json_gen __attribute__ ((cleanup (cleanup_json_genp)))
void jg_str (yajl_gen g, const char *s);
void jg_kstr (yajl_gen g, const char *key, const char *val); /* NULL → null */
void jg_kint (yajl_gen g, const char *key, long long v);
/* The member only when v is set (not 0). */
void jg_kint_set (yajl_gen g, const char *key, long long v);
/* An OCI content descriptor: {"mediaType", "digest", "size"}. */
void jg_descriptor (yajl_gen g, const char *media_type, const char *digest, long long size);
void jg_kbool (yajl_gen g, const char *key, bool v);
void jg_kstrv (yajl_gen g, const char *key, char *const *v);
/* A parsed tree, written again. */
void json_gen_val (yajl_gen g, yajl_val v);
/* Copy of the generated text, NUL-terminated. */
char *json_gen_take (yajl_gen g, size_t *len);

#endif
