#pragma once

// What ferry-inspect found in a blob, printed as text or JSON.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/serde/function_table.h"
#include "ferry/serde/plan_inspection.h"

namespace ferry::inspect {

/// Payload key id to secret, from --key arguments.
using Keys = std::map<std::string, std::string>;

/// Parses "ID=HEX" into `keys`; false on a malformed argument.
bool AddKey(std::string_view arg, Keys* keys);

/// One function table entry, and its inline frame if it holds one.
struct FunctionReport {
  std::string kind;  ///< "scalar", "aggregate", "window"
  std::string name;
  std::string travels;  ///< "by name", "inline", "opaque" or "malformed"
  int64_t definition_bytes = 0;
  std::string defect;  ///< why a frame is malformed
  // Inline frames only:
  std::string family;  ///< e.g. "inline scalar UDF (FYPYUDF)"
  int frame_version = 0;
  std::string python;  ///< "3.11"
  int64_t payload_bytes = 0;
  std::string payload_sha256;  ///< hex
  std::optional<std::string> key_id;  ///< signed frames
  std::string signature;  ///< "unsigned", "not checked", "valid", "no key", "INVALID"
};

/// Reads an entry; `verified` turns false when keys were given and the
/// frame is unsigned, malformed or does not verify under them.
FunctionReport ReportFunction(const FunctionTableEntry& entry, const Keys& keys, bool* verified);

/// The whole envelope's signature (plans and physical plans).
struct EnvelopeReport {
  std::optional<std::string> key_id;  ///< signed envelopes
  std::string signature;  ///< "unsigned", "not checked", "valid", "no key", "INVALID"
};

/// Reads the envelope's signature of `bytes` (a plan's), checked against
/// `keys` when given; `verified` turns false when keys were given and it
/// is unsigned or does not verify.
EnvelopeReport ReportEnvelope(std::string_view bytes, const Keys& keys, bool* verified);

struct Report {
  std::string kind;  ///< "expr", "plan" or "physical_plan"
  int64_t bytes = 0;
  std::optional<EnvelopeReport> envelope;  ///< plans
  std::vector<FunctionReport> functions;
  std::string expression;                     ///< expr
  std::vector<std::string> expression_calls;  ///< expr: "scalar abs: built-in, by name"
  PlanInspection plan;                        ///< plans
  std::optional<bool> reencodes_identically;  ///< absent when it could not be decoded
  std::string error;                          ///< why it could not be decoded
  bool verified = true;
};

/// The text report (stdout) and error (stderr).
void PrintText(const Report& report);
/// One JSON object on stdout.
void PrintJson(const Report& report);

}  // namespace ferry::inspect
