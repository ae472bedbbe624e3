// The sender-side size limit of an encoded plan: an oversized plan fails
// where it is built, with the parts that made it large, rather than at a
// receiver that refuses it.

#include <algorithm>

#include "ferry/serde/plan_serde_internal.h"

namespace ferry::internal {
namespace {

// At most this many parts are named: the rest rarely matter.
constexpr size_t kPartsNamed = 3;

const char* KindName(ferry::v1::FunctionDefinition::Kind kind) {
  switch (kind) {
    case ferry::v1::FunctionDefinition::AGGREGATE:
      return "aggregate function";
    case ferry::v1::FunctionDefinition::WINDOW:
      return "window function";
    default:
      return "scalar function";
  }
}

}  // namespace

Status CheckEncodedPlanSize(const ferry::v1::PlanMessage& message,
                            const std::vector<PlanPart>& inline_tables, int64_t max_bytes) {
  const auto size = static_cast<int64_t>(message.ByteSizeLong());
  if (size <= max_bytes) return Status::OK();
  std::vector<PlanPart> parts = inline_tables;
  for (const auto& function : message.functions()) {
    if (function.definition().empty()) continue;
    parts.push_back({std::string(KindName(function.kind())) + " '" + function.name() + "' definition",
                     static_cast<int64_t>(function.definition().size())});
  }
  return OversizedPlan("plan", size, max_bytes, std::move(parts));
}

Status OversizedPlan(const char* noun, int64_t size, int64_t max_bytes, std::vector<PlanPart> parts) {
  std::stable_sort(parts.begin(), parts.end(),
                   [](const PlanPart& a, const PlanPart& b) { return a.bytes > b.bytes; });
  std::string largest;
  for (size_t i = 0; i < parts.size() && i < kPartsNamed; ++i) {
    largest += (i == 0 ? "" : ", ") + parts[i].description + ": " + std::to_string(parts[i].bytes) +
               " bytes";
  }
  if (largest.empty()) largest = "no inline table or function definition: the plan's nodes themselves";
  return Status::Invalid(noun, " encodes to ", size, " bytes, over the limit of ", max_bytes,
                         " (max_encoded_plan_bytes); largest parts: ", largest,
                         ". Ship large tables as Parquet files or by name (tables_by_name), or "
                         "raise the limit");
}

}  // namespace ferry::internal
