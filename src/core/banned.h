/*
 * banned.h — libc functions dancu does not use, turned into compile errors.
 *
 * Included last by every dancu source file (through src/core/internal.h).
 * Each is banned because a safer way exists: struct dc_buf instead of
 * strcpy/strcat/sprintf, dc_parse_uint instead of atoi/strtol (no error
 * report), dc_date_* instead of gmtime/localtime (static state), explicit
 * loops or memchr instead of strtok (hidden state).
 */
#ifndef DANCU_BANNED_H
#define DANCU_BANNED_H

#define DC__BANNED(f) sorry_##f##_is_banned_in_dancu

#undef strcpy
#define strcpy(...) DC__BANNED(strcpy)
#undef strcat
#define strcat(...) DC__BANNED(strcat)
#undef strncpy
#define strncpy(...) DC__BANNED(strncpy)
#undef strncat
#define strncat(...) DC__BANNED(strncat)
#undef sprintf
#define sprintf(...) DC__BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) DC__BANNED(vsprintf)
#undef strtok
#define strtok(...) DC__BANNED(strtok)
#undef atoi
#define atoi(...) DC__BANNED(atoi)
#undef atol
#define atol(...) DC__BANNED(atol)
#undef gmtime
#define gmtime(...) DC__BANNED(gmtime)
#undef localtime
#define localtime(...) DC__BANNED(localtime)
#undef ctime
#define ctime(...) DC__BANNED(ctime)
#undef asctime
#define asctime(...) DC__BANNED(asctime)
#undef gets
#define gets(...) DC__BANNED(gets)

#endif
