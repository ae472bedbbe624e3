#pragma once

#include <cstddef>
#include <functional>

#include "ferry/common/status.h"

namespace ferry::sql {

/// Runs `work` to completion on a thread of its own with a stack of
/// `stack_bytes`, and waits for it. For recursive C code whose depth
/// follows its input (libpg_query packs a parse tree recursively, about
/// 3 frames a nesting level): the caller sizes the stack from the input
/// instead of trusting whatever thread it runs on. Only touched pages are
/// committed. Invalid naming `what` when no such thread can be started.
Status RunOnDeepStack(size_t stack_bytes, const std::function<void()>& work, const char* what);

}  // namespace ferry::sql
