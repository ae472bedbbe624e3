#pragma once

// What ferry-inspect does with a blob, apart from reading it: a library so
// that the fuzz target (cpp/fuzz/inspect_fuzz.cc) runs the very same path.

#include <map>
#include <ostream>
#include <string>
#include <string_view>

namespace ferry::tools {

/// Payload keys given on the command line: key id -> secret.
using PayloadKeys = std::map<std::string, std::string>;

/// Exit statuses of ferry-inspect.
inline constexpr int kInspectOk = 0;
inline constexpr int kInspectInvalid = 1;
inline constexpr int kInspectUsage = 2;
inline constexpr int kInspectUnverified = 3;

/// Parses "ID=HEX" into `keys`; false on a malformed argument.
bool AddPayloadKey(std::string_view arg, PayloadKeys* keys);

/// Prints every inline frame of `bytes`'s function table, the decoded
/// expression, its functions and whether it re-encodes identically to
/// `out`; errors to `err`, prefixed "ferry-inspect: ". Returns kInspectOk,
/// kInspectInvalid (not a valid expression) or kInspectUnverified (keys
/// given and an inline frame is unsigned or does not verify). Never runs
/// or unpickles anything the bytes carry.
int InspectBlob(std::string_view bytes, const PayloadKeys& keys, std::ostream& out,
                std::ostream& err);

}  // namespace ferry::tools
