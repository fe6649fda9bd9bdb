/*
 * dancu/citizen.h — the citizen record of the national population register.
 *
 * One struct dc_citizen covers the 26 information groups of the Law on
 * Identification 2023, Art. 9 (../shared/domain/eid-residence-services.md §6).
 * Groups kept as separate histories elsewhere (cards: group 14; temporary
 * absence: 19) are not in this struct; identifier history (groups 3, 13) is
 * in the store's identifier table, with the current 9-digit CMND mirrored here.
 *
 * Ownership: every `const char *` field is borrowed — it points into memory
 * owned by whoever filled the struct (usually a struct dc_pool, or the row of
 * a parser) and stays valid until that memory is released. NULL or "" means
 * "not recorded". Text is UTF-8, NFC.
 *
 * The field table DC_CITIZEN_FIELDS is the one list of text fields: the CSV
 * header, the JSON keys and the database columns are generated from it, in
 * this order. Never reorder; add at the end.
 */
#ifndef DANCU_CITIZEN_H
#define DANCU_CITIZEN_H

#include <stddef.h>

#include "dancu/buf.h"
#include "dancu/date.h"
#include "dancu/pin.h"

enum dc_citizen_status {
	DC_STATUS_ALIVE = 0,
	DC_STATUS_DEAD = 1,
	DC_STATUS_MISSING = 2 /* declared missing (mất tích) */
};

/* X(field, art9_group, max_bytes) — the text fields, in column order.
 * max_bytes bounds the stored value (UTF-8 bytes). */
#define DC_CITIZEN_TEXT_FIELDS(X)                                                                    \
	X(birth_name, 1, 200)  /* họ, chữ đệm và tên khai sinh */                           \
	X(other_names, 2, 200) /* tên gọi khác */                                                \
	X(birth_place, 6, 300) /* nơi sinh (free text) */                                           \
	X(birth_reg_unit, 7, 5) /* nơi đăng ký khai sinh: 5-digit commune or 2-digit province */ \
	X(origin_place, 8, 300) /* quê quán */                                                     \
	X(ethnicity, 9, 40)     /* dân tộc */                                                     \
	X(religion, 10, 60)     /* tôn giáo */                                                     \
	X(nationality, 11, 2)   /* quốc tịch, ISO 3166 alpha-2 ("VN") */                         \
	X(blood_group, 12, 3)   /* nhóm máu: O, A, B, AB with optional +/- */                      \
	X(cmnd9, 13, 9)         /* số CMND 9 số */                                               \
	X(father_pin, 15, 12)   /* cha */                                                            \
	X(father_name, 15, 200)                                                                      \
	X(mother_pin, 15, 12) /* mẹ */                                                             \
	X(mother_name, 15, 200)                                                                      \
	X(spouse_pin, 15, 12) /* vợ / chồng */                                                   \
	X(spouse_name, 15, 200)                                                                      \
	X(rep_pin, 15, 12)       /* người đại diện hợp pháp */                            \
	X(perm_commune, 16, 5)   /* nơi thường trú: commune code */                             \
	X(perm_address, 16, 300) /* … street address within the commune */                         \
	X(temp_commune, 17, 5)   /* nơi tạm trú */                                               \
	X(temp_address, 17, 300)                                                                     \
	X(cur_commune, 18, 5) /* nơi ở hiện tại */                                            \
	X(cur_address, 18, 300)                                                                      \
	X(residence_dossier, 20, 40) /* số hồ sơ cư trú */                                    \
	X(marital_status, 21, 10)    /* single | married | divorced | widowed */                     \
	X(household_id, 23, 20)      /* hộ: household number */                                    \
	X(head_relation, 22, 20)     /* quan hệ với chủ hộ: code, see DC_RELATIONS */        \
	X(phone, 25, 15) /* số thuê bao di động, E.164 without + or 0-prefixed */              \
	X(email, 25, 254)

struct dc_citizen {
	struct dc_pin pin;         /* group 3 */
	struct dc_date dob;        /* group 4, may be partial */
	int sex;                   /* group 5: enum dc_sex */
	struct dc_date perm_since; /* date the permanent residence was registered */
	struct dc_date death_date; /* group 24 (also the date declared missing) */
	enum dc_citizen_status status;
#define DC__CITIZEN_FIELD(name, group, max) const char *name;
	DC_CITIZEN_TEXT_FIELDS(DC__CITIZEN_FIELD)
#undef DC__CITIZEN_FIELD
};

/* Relationship-to-head codes (group 22). The code is stored; labels are for
 * people. */
#define DC_RELATIONS(X)                                   \
	X(head, "Chủ hộ", "Head")                         \
	X(spouse, "Vợ/Chồng", "Spouse")                   \
	X(child, "Con", "Child")                          \
	X(parent, "Cha/Mẹ", "Parent")                     \
	X(grandchild, "Cháu", "Grandchild")               \
	X(grandparent, "Ông/Bà", "Grandparent")           \
	X(sibling, "Anh/Chị/Em", "Sibling")               \
	X(child_in_law, "Con dâu/Con rể", "Child-in-law") \
	X(other, "Khác", "Other")

/* Non-text columns, by name, in the order they precede the text fields in the
 * CSV/column order: pin, dob, sex, status, death_date, perm_since. */
#define DC_CITIZEN_FIXED_COLUMNS "pin", "dob", "sex", "status", "death_date", "perm_since"
#define DC_CITIZEN_NFIXED 6

/* Number of columns (fixed + text). */
size_t dc_citizen_ncolumns(void);

/* Name of column i (0 ≤ i < dc_citizen_ncolumns()), static; NULL past the end. */
const char *dc_citizen_column(size_t i);

/* Largest allowed length in bytes of text column i; 0 for fixed columns. */
size_t dc_citizen_column_max(size_t i);

/* Index of a column by name (n bytes), or -1. */
int dc_citizen_column_index(const char *name, size_t n);

/* Sets column i of c from the n bytes at v, which must stay valid as long as
 * c is used (text fields borrow v; it must be NUL-terminated at v[n]).
 * Parses fixed columns (pin, dates, sex "M"/"F", status "alive"/"dead"/
 * "missing"). An empty value clears the field. Returns DC_OK or
 * DC_ERR_INVALID (detail: which column, in the caller's context). */
int dc_citizen_set(struct dc_citizen *c, size_t i, const char *v, size_t n);

/* Appends column i of c as text to out (no quoting): dates in ISO form, sex
 * as "M"/"F"/"", status as "alive"/"dead"/"missing". */
int dc_citizen_get(const struct dc_citizen *c, size_t i, struct dc_buf *out);

/* Appends c as one JSON object of its non-empty columns (column names as
 * keys, text values as in dc_citizen_get). */
int dc_citizen_json(const struct dc_citizen *c, struct dc_buf *out);

/* Pointer to text field i (i ≥ DC_CITIZEN_NFIXED), or NULL for fixed columns. */
const char **dc_citizen_text_field(struct dc_citizen *c, size_t i);

/* Status names. */
const char *dc_citizen_status_name(enum dc_citizen_status s);

/* true when code is one of DC_RELATIONS (n bytes). */
int dc_relation_valid(const char *code, size_t n);

#endif
