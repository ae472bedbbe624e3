#pragma once

// Reading a blob the way ferry-inspect does, apart from its command line,
// so the fuzz target (cpp/fuzz/inspect_fuzz.cc) runs the same path.

#include <string>

#include "inspect_report.h"

namespace ferry::inspect {

/// Fills `report` from an expression, logical plan, physical plan or job blob
/// (the envelope's kind decides): its inline frames (checked against
/// `keys` when given), then the decoded expression or the plan read from
/// the wire (no table is opened, nothing is unpickled), then whether it
/// re-encodes identically. False, with report->error saying why, when the
/// bytes are not one. Python-free; never crashes on any bytes.
bool InspectBlob(const std::string& bytes, const Keys& keys, Report* report);

}  // namespace ferry::inspect
