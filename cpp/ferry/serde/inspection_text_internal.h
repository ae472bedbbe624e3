#pragma once

// Words the logical and physical plan inspections (plan_inspection.cc,
// exec_plan_inspection.cc) print alike.

#include <string>

#include "ferry/v1/plan.pb.h"

namespace ferry::internal {

/// "1 key", "3 keys".
inline std::string Count(int n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

/// "inner", "left", ..., "semi", "anti"; "unknown" outside the enum.
inline const char* JoinTypeWord(ferry::v1::JoinPlan::JoinType type) {
  switch (type) {
    case ferry::v1::JoinPlan::INNER: return "inner";
    case ferry::v1::JoinPlan::LEFT: return "left";
    case ferry::v1::JoinPlan::RIGHT: return "right";
    case ferry::v1::JoinPlan::FULL: return "full";
    case ferry::v1::JoinPlan::LEFT_SEMI: return "semi";
    case ferry::v1::JoinPlan::LEFT_ANTI: return "anti";
    default: return "unknown";
  }
}

}  // namespace ferry::internal
