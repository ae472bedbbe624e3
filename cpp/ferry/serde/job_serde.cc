// A distributed job's bytes: framing, limits and inspection. Every stage's
// operator tree shares the job's one function table.

#include "ferry/serde/job_serde.h"

#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/physical_serde_internal.h"

namespace ferry {
namespace {

constexpr char kJobKind[] = "job";

std::string StageLine(const ferry::v1::StageMessage& stage) {
  std::string line = "Stage " + std::to_string(stage.id()) + ": " +
                     std::to_string(stage.num_tasks()) + (stage.num_tasks() == 1 ? " task" : " tasks");
  if (stage.output_slices() > 1) line += " x " + std::to_string(stage.output_slices()) + " slices";
  for (int i = 0; i < stage.inputs_size(); ++i) {
    line += (i == 0 ? (stage.inputs_size() > 1 ? ", reads stages " : ", reads stage ") : ", ") +
            std::to_string(stage.inputs(i));
  }
  return line;
}

}  // namespace

Status ReadJobPayload(std::string_view bytes, ferry::v1::JobMessage* out, const DecodeLimits& limits) {
  return internal::ReadPayload(bytes, kJobKind, "job", out, limits);
}

Result<std::string> WriteJobPayload(const ferry::v1::JobMessage& message) {
  return internal::WritePayload(message, kJobKind, "job");
}

Result<PlanInspection> InspectJob(std::string_view bytes, const DecodeLimits& limits) {
  ferry::v1::JobMessage message;
  FERRY_RETURN_NOT_OK(ReadJobPayload(bytes, &message, limits));
  PlanInspection out;
  out.total_bytes = static_cast<int64_t>(bytes.size());
  for (const auto& stage : message.stages()) {
    out.tree.push_back(StageLine(stage));
    const size_t first = out.tree.size();
    if (!stage.has_fragment()) return Status::Invalid("job stage ", stage.id(), " has no fragment");
    // Walked from level 0, as the decoder counts it, then indented below its stage.
    FERRY_RETURN_NOT_OK(internal::InspectExecTree(stage.fragment(), 0, limits.max_depth, &out));
    for (size_t i = first; i < out.tree.size(); ++i) out.tree[i].insert(0, "  ");
  }
  out.functions = internal::FunctionEntries(message.functions());
  out.reencodes_identically = internal::ReencodesIdentically(message, kJobKind, bytes);
  return out;
}

Status CheckEncodedJobSize(std::string_view encoded, int64_t max_bytes) {
  if (static_cast<int64_t>(encoded.size()) <= max_bytes) return Status::OK();
  FERRY_ASSIGN_OR_RAISE(auto inspection, InspectJob(encoded));
  return internal::OversizedInspected("job", inspection, max_bytes);
}

}  // namespace ferry
