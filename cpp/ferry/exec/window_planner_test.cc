// Where window operators sit: on a hash exchange on their PARTITION BY keys
// (or on the input's own partitioning when it already fits), after one
// gather for windows over the whole input, and chained where key sets have
// nothing in common, with the output columns in the expressions' order.

#include <string>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/exec/operator_binders.h"
#include "ferry/exec/operators.h"
#include "ferry/exec/row_hash.h"
#include "ferry/exec/window_planner.h"
#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::KeyOf;
using testing::ScanOf;

std::shared_ptr<arrow::Schema> InputSchema() {
  return arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8()),
                        arrow::field("v", arrow::float64())});
}

BatchPtr Rows() {
  return testing::BatchFromJson(InputSchema(), R"([{"a": 1, "b": "x", "v": 1.0}, {"a": 2, "b": "y", "v": 2.0},
      {"a": 1, "b": "y", "v": 3.0}, {"a": null, "b": "x", "v": 4.0}, {"a": 2, "b": null, "v": 5.0}])");
}

Expr SumOver(std::vector<Expr> partition_by) {
  auto sum = BuiltinFunctions().GetAggregate("sum").ValueOrDie();
  return Window(AggregateCall(sum, "sum", {Col("v")}), std::move(partition_by), {});
}

// The operators from the root down, one Describe() prefix (up to ':') each.
std::vector<std::string> Shape(const ExecutionPlan& plan) {
  std::vector<std::string> out{plan.Describe().substr(0, plan.Describe().find(':'))};
  for (const auto& child : plan.children()) {
    for (auto& line : Shape(*child)) out.push_back(std::move(line));
  }
  return out;
}

class WindowPlannerTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }

  // Plans `windows` over `input` into `partitions`; the output schema is
  // the input's fields then w0, w1, ...
  static ExecPtr Plan(ExecPtr input, const std::vector<Expr>& windows, int partitions) {
    std::vector<WindowExprSpec> specs;
    auto fields = input->schema()->fields();
    for (size_t i = 0; i < windows.size(); ++i) {
      auto spec = BindWindow(windows[i], *input->schema()).ValueOrDie();
      std::string name = "w";  // appended, not "w" + ...: GCC 12 warns falsely on that
      name += std::to_string(i);
      fields.push_back(arrow::field(name, spec.type));
      specs.push_back(std::move(spec));
    }
    auto plan = PlanWindows(std::move(input), std::move(specs), arrow::schema(fields), partitions);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return *plan;
  }
};

TEST_F(WindowPlannerTest, PartitionedWindowSitsOnAHashExchange) {
  auto scan = ScanOf(InputSchema(), {{Rows()}, {}});
  auto plan = Plan(scan, {SumOver({Col("a")}), SumOver({Col("a"), Col("b")})}, 4);
  // Both share key a: one exchange on it, one operator, four partitions.
  EXPECT_EQ(Shape(*plan), (std::vector<std::string>{"WindowAggExec(per partition)", "RepartitionExec",
                                                    "MemoryScanExec"}));
  EXPECT_NE(plan->children()[0]->Describe().find("Hash([a@0], 4)"), std::string::npos);
  EXPECT_EQ(plan->num_partitions(), 4);
  ASSERT_TRUE(plan->output_partitioning().has_value());
  EXPECT_EQ(plan->output_partitioning()->columns, std::vector<int>{0});
}

TEST_F(WindowPlannerTest, InputPartitionedOnTheKeysIsNotExchangedAgain) {
  auto schema = InputSchema();
  auto exchanged = MakeHashRepartitionExec(ScanOf(schema, {{Rows()}}), {KeyOf(schema, 0)}, 3);
  // Partitioned on a, a subset of (a, b): every window partition is whole.
  auto plan = Plan(exchanged, {SumOver({Col("b"), Col("a")})}, 5);
  EXPECT_EQ(plan->children()[0], exchanged);
  EXPECT_EQ(plan->num_partitions(), 3);
  // Partitioned on a, but the window needs b: exchanged on b.
  plan = Plan(exchanged, {SumOver({Col("b")})}, 5);
  EXPECT_NE(plan->children()[0]->Describe().find("Hash([b@1], 5)"), std::string::npos);
}

TEST_F(WindowPlannerTest, KeySetsWithNothingInCommonAreChained) {
  auto scan = ScanOf(InputSchema(), {{Rows()}});
  auto plan = Plan(scan, {SumOver({Col("a")}), SumOver({}), SumOver({Col("b")}), SumOver({Col("a")})}, 2);
  // The whole-input window first, over one gathered partition; then a,
  // then b, each on its own exchange; a projection restores w0..w3.
  EXPECT_EQ(Shape(*plan),
            (std::vector<std::string>{"ProjectionExec", "WindowAggExec(per partition)", "RepartitionExec",
                                      "WindowAggExec(per partition)", "RepartitionExec",
                                      "WindowAggExec(per partition)", "MemoryScanExec"}));
  std::vector<std::string> names;
  for (const auto& field : plan->schema()->fields()) names.push_back(field->name());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "v", "w0", "w1", "w2", "w3"}));
  // Every value against a hand count: sum(v) by a, overall, by b.
  auto rows = testing::PlanRows(*plan);
  EXPECT_EQ(rows, (std::vector<std::string>{"1|x|1|4|15|5|4", "1|y|3|4|15|5|4", "2|null|5|7|15|5|7",
                                            "2|y|2|7|15|5|7", "null|x|4|4|15|5|4"}));
}

TEST_F(WindowPlannerTest, OnePartitionWantedMeansNoExchange) {
  auto scan = ScanOf(InputSchema(), {{Rows()}});
  auto plan = Plan(scan, {SumOver({Col("a")})}, 1);
  EXPECT_EQ(Shape(*plan), (std::vector<std::string>{"WindowAggExec(per partition)", "MemoryScanExec"}));
  // Several input partitions into one: gathered in partition order.
  auto split = ScanOf(InputSchema(), {{Rows()}, {Rows()}});
  plan = Plan(split, {SumOver({Col("a")})}, 1);
  EXPECT_NE(plan->children()[0]->Describe().find("in partition order"), std::string::npos);
}

TEST_F(WindowPlannerTest, UnhashableKeysAreLeftToTheOperator) {
  auto schema = arrow::schema({arrow::field("d", arrow::dictionary(arrow::int32(), arrow::utf8())),
                               arrow::field("a", arrow::int64()), arrow::field("v", arrow::float64())});
  ASSERT_FALSE(CanHashRows(*schema->field(0)->type()));
  auto batch = testing::BatchFromJson(
      schema, R"([{"d": "p", "a": 1, "v": 1.0}, {"d": "p", "a": 2, "v": 2.0}, {"d": "q", "a": 1, "v": 3.0},
                  {"d": "p", "a": 1, "v": 4.0}])");
  auto scan = ScanOf(schema, {{batch}});
  // (d, a): exchanged on a alone; d only splits partitions inside the operator.
  auto plan = Plan(scan, {SumOver({Col("d"), Col("a")})}, 2);
  EXPECT_NE(plan->children()[0]->Describe().find("Hash([a@1], 2)"), std::string::npos);
  EXPECT_EQ(testing::PlanRows(*plan),
            (std::vector<std::string>{"p|1|1|5", "p|1|4|5", "p|2|2|2", "q|1|3|3"}));
  // d alone: nothing to hash on, so the window runs over one gathered partition.
  plan = Plan(scan, {SumOver({Col("d")})}, 2);
  EXPECT_EQ(plan->num_partitions(), 1);
}

}  // namespace
}  // namespace ferry
