/* SPDX-License-Identifier: MIT */
/* zokio: everything a user of the runtime needs. */
#ifndef ZK_H
#define ZK_H

#include "runtime/loop.h"
#include "runtime/timer.h"
#include "runtime/op.h"
#include "runtime/future.h"
#include "runtime/pool.h"
#include "runtime/process.h"
#include "runtime/udp.h"

#endif
