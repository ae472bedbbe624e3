// Semi join reduction of a big probe side by a small kept build side (see
// semi_join_reduction.h). TPC-H Q22's NOT EXISTS keeps the ~6K customers
// no order matches: instead of exchanging all 1.5M orders to meet them,
// the orders stream past a copy of those customers in place, and only the
// ~60K orders of those customers are exchanged (DuckDB gets the same
// effect building its anti join on the customers, in one process).

#include "ferry/exec/semi_join_reduction.h"

#include "ferry/exec/operators.h"

namespace ferry {

Result<std::pair<ExecPtr, ExecPtr>> ReduceToBuildKeys(ExecPtr left, ExecPtr right,
                                                      const JoinNode& join) {
  if (join.left_keys.empty() || join.left_keys.size() != join.right_keys.size()) {
    return Status::Invalid("a semi join reduction needs the join's equi keys");
  }
  auto shared_left = MakeSharedSubplan(std::move(left));
  JoinNode reduce{join.right, join.left, JoinType::kLeftSemi, join.right_keys, join.left_keys, {}};
  const auto& right_schema = right->schema();
  for (int c = 0; c < right_schema->num_fields(); ++c) reduce.output_columns.push_back({c, -1});
  const int partitions = right->num_partitions();
  auto copies = MakeBroadcastExec(MakeSharedSubplanExec(shared_left), partitions);
  FERRY_ASSIGN_OR_RAISE(auto reduced,
                        MakeHashJoinExec(std::move(right), std::move(copies), reduce,
                                         HashJoinMode::kCollectBuild, /*build_left=*/false,
                                         right_schema));
  return std::make_pair(MakeSharedSubplanExec(shared_left), std::move(reduced));
}

}  // namespace ferry
