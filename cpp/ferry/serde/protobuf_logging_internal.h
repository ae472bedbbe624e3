#pragma once

namespace ferry {

/// Keeps libprotobuf from writing an ERROR line to stderr for every input
/// with invalid UTF-8 in a string field: the decoder already turns such
/// input into an error value, and a server decoding untrusted bytes must
/// not let them flood its log. Other protobuf messages pass through to the
/// handler that was installed before. Idempotent and thread-safe; call
/// before parsing.
void QuietProtobufUtf8Errors();

}  // namespace ferry
