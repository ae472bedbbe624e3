#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/dist/stage_planner.h"
#include "ferry/serde/decode_limits.h"

namespace ferry {

class DataFrame;
class SessionContext;

/// A query planned for distributed execution: its stages, and the schema
/// of the rows the root stage's tasks write.
struct Job {
  std::string job_id;
  StagePlan plan;
  std::shared_ptr<arrow::Schema> schema;
};

/// Optimizes `df`'s plan, plans it with `target_partitions` partitions per
/// scan and exchange (the parallelism the workers offer), and cuts it into
/// stages under a fresh random job id.
Result<Job> PlanJob(const DataFrame& df, int target_partitions);

/// The bytes every worker receives once per job (job.proto): every stage's
/// fragment encoded with the session's codec (Python UDFs inline or by
/// name, as the session ships them), and `inline_functions`: whether that
/// codec inlines function definitions (false makes every worker strict).
/// Every stage shares the job's one function table: a function several
/// stages call travels once. Adds to `warnings` (when given) what the
/// session warns about its inline tables (PhysicalEncodeOptionsFor);
/// Invalid, naming the largest parts, over max_encoded_plan_bytes.
Result<std::string> EncodeJob(const Job& job, const SessionContext& session, bool inline_functions,
                              std::vector<std::string>* warnings = nullptr);

/// What a worker learns from a job's bytes before decoding any stage.
struct JobHeader {
  std::string job_id;
  /// False when the sender's session refuses inline Python payloads: the
  /// worker must then decode with a strict session too.
  bool python_udf_inlining = true;
};
Result<JobHeader> ReadJobHeader(std::string_view bytes);

/// Decodes every stage of a job with `session` (its codec resolves the
/// functions, its table opener reopens files): the stages' inputs stay
/// unbound until a task binds them (task_runner.h). Any bytes yield a job
/// or an error naming the defect.
Result<StagePlan> DecodeJob(std::string_view bytes, const SessionContext& session,
                            const DecodeLimits& limits = {});

}  // namespace ferry
