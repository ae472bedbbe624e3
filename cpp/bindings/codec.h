#pragma once

#include <cstdint>
#include <memory>

#include "ferry/serde/extension_codec.h"
#include "ferry/serde/frame_signing.h"

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
/// With `keys`: every inline frame written is signed (frame version 2) with
/// the keyring's signing key, and every inline frame read must carry a valid
/// signature under one of its keys, checked before the cache and before
/// anything is unpickled. Without: unsigned frames (version 1), and frames
/// are trusted whether signed or not.
std::shared_ptr<const ExtensionCodec> MakePythonCodec(
    bool inlining, int64_t warn_bytes, std::shared_ptr<const PayloadKeyring> keys = nullptr);

/// Whether `codec` is a Python codec with inlining enabled.
bool InliningEnabled(const ExtensionCodec& codec);
/// The payload keys of a Python codec (null when it has none).
std::shared_ptr<const PayloadKeyring> PayloadKeys(const ExtensionCodec& codec);
/// The warning threshold of a Python codec (default for others).
int64_t InlineWarnBytes(const ExtensionCodec& codec);

inline constexpr int64_t kDefaultInlineWarnBytes = 1 << 20;

}  // namespace ferry::bindings
