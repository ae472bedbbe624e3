#pragma once

#include <cstdint>
#include <memory>

#include "ferry/serde/extension_codec.h"

namespace ferry::bindings {

/// The Python UDF codec of a session, stacked over the core's by-name codec.
///
/// Inlining on: Python scalar UDFs travel inside an inline frame (cloudpickle
/// payload, see ferry/_inline.py); decoding checks family, frame version and
/// the sender's Python minor version, then unpickles each distinct payload
/// once per process (a bounded cache keyed by payload digest).
/// Inlining off (strict): UDFs travel by name, and a well-formed inline
/// frame is refused with an error naming the UDF and its family, before any
/// registry lookup, cache lookup or unpickling.
std::shared_ptr<const ExtensionCodec> MakePythonCodec(bool inlining, int64_t warn_bytes);

/// Whether `codec` is a Python codec with inlining enabled.
bool InliningEnabled(const ExtensionCodec& codec);
/// The warning threshold of a Python codec (default for others).
int64_t InlineWarnBytes(const ExtensionCodec& codec);

inline constexpr int64_t kDefaultInlineWarnBytes = 1 << 20;

}  // namespace ferry::bindings
