/*
 * internal.h — included by every file under src/ after its system headers.
 * Pulls in the public core headers and, last, banned.h.
 */
#ifndef DANCU_INTERNAL_H
#define DANCU_INTERNAL_H

#include "dancu/buf.h"
#include "dancu/core.h"
#include "dancu/error.h"
#include "dancu/pool.h"

#include "core/banned.h"

#endif
