#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/common/status.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/plan_inspection.h"
#include "ferry/v1/job.pb.h"

namespace ferry {

/// The framing of a distributed job's bytes (job.proto): an Envelope of
/// kind "job" around a JobMessage, bounded like every other ferry payload.
/// What the stages mean is dist/job.h's business; this is only the bytes.

/// Checks `bytes` (size, message counts, envelope of kind "job") and parses
/// the JobMessage into `out` under `limits`; Invalid naming the defect
/// ("not a ferry job: ...").
Status ReadJobPayload(std::string_view bytes, ferry::v1::JobMessage* out, const DecodeLimits& limits);

/// The bytes of `message`, refusing (as "cannot encode the job: ...") what
/// ReadJobPayload refuses under default limits.
Result<std::string> WriteJobPayload(const ferry::v1::JobMessage& message);

/// What a job holds, read from the wire alone (for ferry-inspect): a line
/// per stage ("Stage 1: 4 tasks x 2 slices, reads stage 0") followed by its
/// fragment's operators, every stage's tables, the job's one function table.
Result<PlanInspection> InspectJob(std::string_view bytes, const DecodeLimits& limits = {});

/// OK when `encoded` (a job's bytes) takes at most `max_bytes`; otherwise
/// Invalid naming its largest inline tables and function definitions.
Status CheckEncodedJobSize(std::string_view encoded, int64_t max_bytes);

}  // namespace ferry
