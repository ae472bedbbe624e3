#pragma once

// Counting a protobuf payload's messages on the raw bytes, before parsing:
// a parsed message costs ~50-100 bytes however few bytes it took on the
// wire (an empty entry is two), so counts, not sizes, bound decode memory.

#include <string_view>

#include <google/protobuf/descriptor.h>

#include "ferry/common/status.h"
#include "ferry/serde/decode_limits.h"

namespace ferry {

/// Walks `bytes` as a `type` message without allocating per message and
/// returns Invalid when it holds more than `limits.max_nodes` messages
/// (unknown fields count as one each), any repeated message field of one
/// message more than `limits.max_list_items` entries, or a field named
/// "functions" more than `limits.max_functions`. Bytes that are not
/// well-formed protobuf pass: the parser that follows reports them. `noun`
/// names what the bytes encode in messages.
Status CheckWireBudget(std::string_view bytes, const google::protobuf::Descriptor* type,
                       const DecodeLimits& limits, const char* noun = "expression");

}  // namespace ferry
