/*
 * dancu/rules.h — the data-quality gate: "đúng, đủ, sạch, sống".
 *
 * Every rule has a stable code (never renamed: reports, tests and clients
 * key on it), a severity, and a message in Vietnamese and English. Errors
 * reject a record; warnings are reported and let it through (an unknown ID
 * prefix, for example, must never reject a number).
 *
 * dc_rules_check runs every rule that needs only the record itself (and the
 * reference tables); rules that need other records (parents) run when the
 * caller passes them in struct dc_rule_ctx.
 *
 * All functions are pure and thread-safe; returned strings are static.
 */
#ifndef DANCU_RULES_H
#define DANCU_RULES_H

#include <stddef.h>

#include "dancu/citizen.h"
#include "dancu/date.h"

struct dc_units;

enum dc_rule_severity { DC_RULE_ERROR = 0, DC_RULE_WARNING = 1 };

/* X(id, code, severity, dimension, message_vi, message_en) */
#define DC_RULES(X)                                                                               \
	X(PIN_REQUIRED, "pin.required", ERROR, "du", "Thiếu số định danh cá nhân",                \
	  "personal ID number is missing")                                                        \
	X(PIN_YEAR, "pin.birth_year_mismatch", ERROR, "dung",                                     \
	  "Năm sinh trong số định danh không khớp ngày sinh",                                     \
	  "birth year encoded in the ID number differs from the date of birth")                   \
	X(PIN_SEX, "pin.sex_mismatch", ERROR, "dung",                                             \
	  "Giới tính trong số định danh không khớp giới tính",                                    \
	  "sex encoded in the ID number differs from the recorded sex")                           \
	X(PIN_PREFIX, "pin.prefix_unknown", WARNING, "dung",                                      \
	  "Mã nơi đăng ký khai sinh trong số định danh không có trong danh mục",                  \
	  "ID number prefix is not a known province or country code")                             \
	X(PIN_PROVINCE, "pin.birth_province_mismatch", WARNING, "dung",                           \
	  "Mã tỉnh trong số định danh khác nơi đăng ký khai sinh",                                \
	  "ID number prefix differs from the place of birth registration")                        \
	X(NAME_REQUIRED, "name.required", ERROR, "du", "Thiếu họ, chữ đệm và tên",                \
	  "birth name is missing")                                                                \
	X(NAME_INVALID, "name.invalid", ERROR, "sach", "Họ tên chứa ký tự không hợp lệ",          \
	  "name contains characters that are not letters")                                        \
	X(DOB_REQUIRED, "dob.required", ERROR, "du", "Thiếu ngày sinh",                           \
	  "date of birth is missing")                                                             \
	X(DOB_FUTURE, "dob.future", ERROR, "dung", "Ngày sinh ở tương lai",                       \
	  "date of birth is in the future")                                                       \
	X(DOB_TOO_OLD, "dob.implausible", ERROR, "dung", "Tuổi quá 130", "age over 130 years")    \
	X(SEX_REQUIRED, "sex.required", ERROR, "du", "Thiếu giới tính", "sex is missing")         \
	X(NATIONALITY, "nationality.invalid", ERROR, "sach",                                      \
	  "Quốc tịch phải là mã ISO 3166 hai chữ cái",                                            \
	  "nationality must be an ISO 3166 alpha-2 code")                                         \
	X(ETHNICITY, "ethnicity.unknown", WARNING, "sach",                                        \
	  "Dân tộc không có trong danh mục 54 dân tộc", "ethnicity is not one of the 54 groups")  \
	X(COMMUNE, "commune.unknown", ERROR, "dung", "Mã đơn vị hành chính cấp xã không tồn tại", \
	  "commune code does not exist")                                                          \
	X(BIRTH_REG, "birth_reg_unit.unknown", ERROR, "dung",                                     \
	  "Mã nơi đăng ký khai sinh không tồn tại",                                               \
	  "place of birth registration code does not exist")                                      \
	X(RESIDENCE_MISSING, "residence.missing", WARNING, "du",                                  \
	  "Chưa có nơi thường trú, tạm trú hay nơi ở hiện tại",                                   \
	  "no permanent, temporary or current residence")                                         \
	X(RESIDENCE_DEAD, "residence.after_death", ERROR, "song",                                 \
	  "Người đã chết không thể đăng ký cư trú", "a dead person cannot gain a residence")      \
	X(DEATH_BEFORE_BIRTH, "death.before_birth", ERROR, "dung", "Ngày chết trước ngày sinh",   \
	  "date of death is before the date of birth")                                            \
	X(DEATH_STATUS, "death.status_mismatch", ERROR, "song",                                   \
	  "Tình trạng và ngày chết/mất tích không khớp",                                          \
	  "status and date of death or disappearance disagree")                                   \
	X(PARENT_SELF, "parent.self", ERROR, "dung", "Cha/mẹ trùng với chính người đó",           \
	  "a person cannot be their own parent")                                                  \
	X(PARENT_YOUNG, "parent.too_young", ERROR, "dung",                                        \
	  "Cha/mẹ phải lớn hơn con ít nhất 12 tuổi",                                              \
	  "a parent must be at least 12 years older than the child")                              \
	X(PARENT_SEX, "parent.sex_mismatch", ERROR, "dung", "Giới tính của cha/mẹ không phù hợp", \
	  "father must be male and mother female")                                                \
	X(RELATION, "household.relation_invalid", ERROR, "sach",                                  \
	  "Quan hệ với chủ hộ không hợp lệ", "relationship to the head of household is invalid")  \
	X(HOUSEHOLD, "household.incomplete", ERROR, "du",                                         \
	  "Số hộ và quan hệ với chủ hộ phải đi cùng nhau",                                        \
	  "household number and relationship to head go together")                                \
	X(MARITAL, "marital_status.invalid", ERROR, "sach", "Tình trạng hôn nhân không hợp lệ",   \
	  "marital status is invalid")                                                            \
	X(BLOOD, "blood_group.invalid", ERROR, "sach", "Nhóm máu không hợp lệ",                   \
	  "blood group is invalid")                                                               \
	X(CMND, "cmnd9.format", ERROR, "sach", "Số CMND phải gồm 9 chữ số",                       \
	  "old identity card number must be 9 digits")                                            \
	X(PHONE, "phone.format", ERROR, "sach", "Số điện thoại không hợp lệ",                     \
	  "phone number is invalid")                                                              \
	X(EMAIL, "email.format", ERROR, "sach", "Địa chỉ thư điện tử không hợp lệ",               \
	  "e-mail address is invalid")                                                            \
	X(TEXT_UTF8, "text.invalid_utf8", ERROR, "sach", "Văn bản không phải UTF-8 hợp lệ",       \
	  "text is not valid UTF-8")                                                              \
	X(TEXT_LONG, "text.too_long", ERROR, "sach", "Văn bản quá dài", "text is too long")       \
	X(PIN_LINK, "pin.link_format", ERROR, "sach",                                             \
	  "Số định danh của người liên quan không hợp lệ",                                        \
	  "ID number of a related person is not 12 digits")                                       \
	X(PIN_FORMAT, "pin.format", ERROR, "sach", "Số định danh phải gồm đúng 12 chữ số",        \
	  "personal ID number must be exactly 12 digits")                                         \
	X(DATE_FORMAT, "date.format", ERROR, "sach", "Ngày tháng không hợp lệ",                   \
	  "date is not a valid YYYY, YYYY-MM, YYYY-MM-DD or DD/MM/YYYY date")                     \
	X(SEX_INVALID, "sex.invalid", ERROR, "sach", "Giới tính phải là M hoặc F",                \
	  "sex must be M or F")                                                                   \
	X(STATUS_INVALID, "status.invalid", ERROR, "sach", "Tình trạng không hợp lệ",             \
	  "status must be alive, dead or missing")                                                \
	X(PIN_CONFLICT, "pin.conflict", ERROR, "sach",                                            \
	  "Số định danh đã được dùng cho một hồ sơ khác",                                         \
	  "this ID number already belongs to a different record")                                 \
	X(ROW_MALFORMED, "row.malformed", ERROR, "sach", "Dòng dữ liệu sai định dạng",            \
	  "the row is malformed (quoting, field count or JSON)")

enum dc_rule_id {
#define DC__RULE_ENUM(id, code, sev, dim, vi, en) DC_RULE_##id,
	DC_RULES(DC__RULE_ENUM)
#undef DC__RULE_ENUM
	        DC_RULE_COUNT
};

struct dc_rule {
	enum dc_rule_id id;
	const char *code; /* stable: "pin.sex_mismatch" */
	enum dc_rule_severity severity;
	const char *dimension; /* "dung", "du", "sach", "song" */
	const char *message_vi;
	const char *message_en;
};

struct dc_rule_hit {
	enum dc_rule_id id;
	const char *field; /* column the rule points at (static), may be NULL */
};

struct dc_rule_ctx {
	const struct dc_units *units;    /* required */
	struct dc_date today;            /* "now" for future/age checks */
	const struct dc_citizen *father; /* the record father_pin names, or NULL */
	const struct dc_citizen *mother; /* the record mother_pin names, or NULL */
};

/* The rule with this id (always found for a valid id). */
const struct dc_rule *dc_rule_get(enum dc_rule_id id);

/* The rule with this code, or NULL. */
const struct dc_rule *dc_rule_find(const char *code);

/* Runs the rules on c. Writes up to max hits into hits and returns how many
 * rules fired (may exceed max). Text fields must be NUL-terminated. */
size_t dc_rules_check(const struct dc_rule_ctx *ctx, const struct dc_citizen *c,
                      struct dc_rule_hit *hits, size_t max);

/* true when any hit is an error (not only warnings). */
int dc_rules_has_error(const struct dc_rule_hit *hits, size_t n);

/* The parent check alone (used when the parent record is found later, as in
 * an import): hit when parent is not ≥ 12 years older than child, or of the
 * wrong sex. is_father selects the expected sex. Returns the number of hits
 * written (0–2). */
size_t dc_rules_check_parent(const struct dc_citizen *child, const struct dc_citizen *parent,
                             int is_father, struct dc_rule_hit *hits, size_t max);

#endif
