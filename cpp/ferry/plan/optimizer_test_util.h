#pragma once

// Shared fixture of the optimizer rules' tests (test code only): two small
// tables over several partitions with NULLs in keys and values, and a
// check that a rewritten plan computes the same rows as the original.

#include <functional>
#include <memory>
#include <string>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "ferry/exec/physical_planner.h"
#include "ferry/exec/tables.h"
#include "ferry/function/registry.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/test_util.h"

namespace ferry::testing {

inline Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
inline Expr S(const std::string& v) { return Lit(std::make_shared<arrow::StringScalar>(v)); }
inline Expr Gt(Expr a, Expr b) { return Binary(std::move(a), Operator::kGt, std::move(b)); }
inline Expr Lt(Expr a, Expr b) { return Binary(std::move(a), Operator::kLt, std::move(b)); }
inline Expr Eq(Expr a, Expr b) { return Binary(std::move(a), Operator::kEq, std::move(b)); }
inline Expr And(Expr a, Expr b) { return Binary(std::move(a), Operator::kAnd, std::move(b)); }
inline Expr Or(Expr a, Expr b) { return Binary(std::move(a), Operator::kOr, std::move(b)); }
inline Expr Agg(const std::string& name, std::vector<Expr> args) {
  return AggregateCall(BuiltinFunctions().GetAggregate(name).ValueOrDie(), name, std::move(args));
}

/// The rows of `table` in one canonical order (sorted by every column).
inline std::shared_ptr<arrow::Table> Canonical(const std::shared_ptr<arrow::Table>& table) {
  std::vector<arrow::compute::SortKey> keys;
  for (const auto& field : table->schema()->fields()) keys.emplace_back(field->name());
  auto indices = arrow::compute::SortIndices(arrow::Datum(table),
                                             arrow::compute::SortOptions(keys)).ValueOrDie();
  auto sorted = arrow::compute::Take(arrow::Datum(table), arrow::Datum(indices)).ValueOrDie();
  return sorted.table()->CombineChunks().ValueOrDie();
}

class OptimizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = SessionContext::Make(SessionConfig{3});
    auto orders = arrow::schema({arrow::field("o_id", arrow::int64()),
                                 arrow::field("cust", arrow::int64()),
                                 arrow::field("amount", arrow::int64()),
                                 arrow::field("status", arrow::utf8())});
    Register("orders", orders,
             {{BatchFromJson(orders, R"([[1, 10, 100, "open"], [2, 10, 250, "done"],
                 [3, 20, 75, "open"], [4, null, 300, "done"], [5, 30, 50, "open"]])")},
              {},
              {BatchFromJson(orders, R"([[6, 20, 500, "done"], [7, 40, null, "open"]])")}});
    auto customers = arrow::schema({arrow::field("cust", arrow::int64()),
                                    arrow::field("name", arrow::utf8()),
                                    arrow::field("region", arrow::utf8())});
    Register("customers", customers,
             {{BatchFromJson(customers, R"([[10, "Ann", "EU"], [20, "Bo", "US"],
                 [30, "Cy", "EU"]])")},
              {BatchFromJson(customers, R"([[50, "Di", "US"], [null, "Nil", "EU"]])")}});
  }

  void Register(const std::string& name, const std::shared_ptr<arrow::Schema>& schema,
                const std::vector<BatchVector>& partitions) {
    auto table = MakeMemoryTable(schema, partitions).ValueOrDie();
    ASSERT_TRUE(ctx_->RegisterTable(name, table).ok());
  }

  DataFrame Table(const std::string& name) { return ctx_->Table(name).ValueOrDie(); }

  /// Runs `plan` exactly as given, without the optimizer.
  std::shared_ptr<arrow::Table> Execute(const PlanPtr& plan) {
    PlannerOptions options;
    options.target_partitions = 3;
    auto physical = CreatePhysicalPlan(*plan, options);
    EXPECT_TRUE(physical.ok()) << physical.status().ToString() << "\n" << plan->ToString();
    if (!physical.ok()) return nullptr;
    auto batches = Collect(**physical);
    EXPECT_TRUE(batches.ok()) << batches.status().ToString() << "\n" << plan->ToString();
    if (!batches.ok()) return nullptr;
    return ToTable(plan->schema, *batches);
  }

  /// Applies `rule` to `df`'s plan, checks the result has the same schema
  /// and rows (in any order) as the original, and returns it.
  PlanPtr Rewrite(const Result<DataFrame>& df, const std::function<Result<PlanPtr>(const PlanPtr&)>& rule) {
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    const auto& plan = df->plan();
    auto rewritten = rule(plan);
    EXPECT_TRUE(rewritten.ok()) << rewritten.status().ToString();
    if (!rewritten.ok()) return plan;
    EXPECT_TRUE((*rewritten)->schema->Equals(*plan->schema))
        << (*rewritten)->schema->ToString() << "\nvs\n" << plan->schema->ToString();
    auto before = Execute(plan);
    auto after = Execute(*rewritten);
    if (before && after) {
      EXPECT_TRUE(Canonical(before)->Equals(*Canonical(after)))
          << "before:\n" << plan->ToString() << before->ToString() << "\nafter:\n"
          << (*rewritten)->ToString() << after->ToString();
    }
    return *rewritten;
  }

  std::shared_ptr<SessionContext> ctx_;
};

}  // namespace ferry::testing
