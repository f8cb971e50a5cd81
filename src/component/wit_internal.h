/* Internal: the syntax tree of one WIT document (wit_syntax.c builds it, wit.c resolves it into
 * component types). Nodes live in a scratch arena dropped once the document is resolved;
 * lists are linked through `next` so that building them never needs a fallible free. Every
 * node records the byte offset it starts at, turned into line:col only when reporting. */
#ifndef WARREN_COMPONENT_WIT_INTERNAL_H
#define WARREN_COMPONENT_WIT_INTERNAL_H

#include "arena.h"
#include "component.h"

/* How a type expression names another type. */
typedef enum {
  WIT_REF_NONE,   /* not a reference: a primitive or a constructor (list<...>, ...) */
  WIT_REF_BARE,   /* `x`: the type itself, or own<x> for a resource */
  WIT_REF_OWN,    /* own<x> */
  WIT_REF_BORROW, /* borrow<x> */
} wit_ref;

typedef struct wit_ty {
  size_t at;
  wit_ref ref;
  const char *name;      /* references */
  cm_valkind kind;       /* not a reference: primitive, LIST, FIXED_LIST, OPTION, RESULT, TUPLE,
                          * STREAM, FUTURE */
  struct wit_ty *elem;   /* list / option / stream / future payload, result ok (NULL: none) */
  struct wit_ty *err;    /* result error (NULL: none) */
  uint32_t count;        /* fixed list length; tuple element count */
  struct wit_ty *first;  /* tuple elements, linked through `next` */
  struct wit_ty *next;
} wit_ty;

/* A record field, variant case (type may be NULL), enum/flags label (type NULL) or parameter. */
typedef struct wit_field {
  size_t at;
  const char *name;
  wit_ty *type;
  struct wit_field *next;
} wit_field;

typedef struct wit_func {
  bool async;
  uint32_t nparams;
  wit_field *params;
  wit_ty *result; /* NULL: none */
} wit_func;

typedef enum { WIT_METHOD, WIT_STATIC, WIT_CONSTRUCTOR } wit_method_kind;

typedef struct wit_method {
  size_t at;
  wit_method_kind kind;
  const char *name; /* NULL for the constructor */
  wit_func func;    /* as written: no `self` */
  struct wit_method *next;
} wit_method;

/* A path to an interface: `id` (of this package, or a top-level `use` alias) or fully
 * qualified `ns:pkg/iface@version` (the whole text in `name`). */
typedef struct wit_path {
  size_t at;
  bool qualified;
  const char *name;
} wit_path;

typedef struct wit_use_name {
  size_t at;
  const char *name, *as; /* `as` == name when not renamed */
  struct wit_use_name *next;
} wit_use_name;

typedef enum {
  WIT_ITEM_USE, WIT_ITEM_TYPE, WIT_ITEM_RECORD, WIT_ITEM_VARIANT, WIT_ITEM_ENUM, WIT_ITEM_FLAGS,
  WIT_ITEM_RESOURCE, WIT_ITEM_FUNC,
} wit_item_kind;

typedef struct wit_item {
  size_t at;
  wit_item_kind kind;
  const char *name;        /* not USE */
  wit_ty *alias;           /* TYPE */
  uint32_t nfields;        /* RECORD, VARIANT, ENUM, FLAGS */
  wit_field *fields;
  wit_method *methods;     /* RESOURCE */
  wit_func func;           /* FUNC */
  wit_path path;           /* USE */
  wit_use_name *names;     /* USE */
  struct wit_item *next;
} wit_item;

typedef struct wit_interface {
  size_t at;
  const char *package;     /* "ns:pkg" */
  const char *version;     /* the package's version, NULL when unversioned */
  const char *name;
  wit_item *items;
  struct wit_interface *next;
} wit_interface;

/* A top-level `use path [as id];`: `alias` names the interface in this document. */
typedef struct wit_toplevel_use {
  wit_path path;
  const char *alias;
  struct wit_toplevel_use *next;
} wit_toplevel_use;

typedef struct wit_document {
  const char *source; /* for messages */
  const char *text;
  size_t len;
  wit_interface *interfaces;
  wit_toplevel_use *uses;
} wit_document;

/* Parses `text` into doc (nodes in `scratch`). false + err ("source:line:col: message"). */
bool wit_parse(cm_arena *scratch, const char *source, const char *text, size_t len, wit_document *doc,
               wr_error *err);

/* Reports a problem at byte offset `at` of the document as "source:line:col: message". Returns
 * false, so that callers can `return wit_fail(...)`. */
bool wit_fail(const wit_document *doc, wr_error *err, size_t at, const char *fmt, ...) WR_PRINTF(4, 5);

#endif
