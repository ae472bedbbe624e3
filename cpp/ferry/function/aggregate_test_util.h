#pragma once

/// Test helpers for the built-in aggregates (aggregates*_test.cc only): run
/// a function single-phase or split over two partial accumulators merged
/// into a final one, checking every output against the declared types.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <arrow/compute/initialize.h>
#include <arrow/json/from_string.h>

#include "ferry/function/registry.h"

namespace ferry {
namespace aggregate_test {

using ArrayPtr = std::shared_ptr<arrow::Array>;
using Groups = std::vector<uint32_t>;

inline ArrayPtr Json(const std::shared_ptr<arrow::DataType>& type, const std::string& json) {
  return arrow::json::ArrayFromJSONString(type, json).ValueOrDie();
}

inline std::shared_ptr<const AggregateFunction> Function(const std::string& name) {
  for (const auto& func : BuiltinAggregateFunctions()) {
    if (func->name() == name) return func;
  }
  ADD_FAILURE() << "no aggregate " << name;
  return nullptr;
}

inline TypeVector TypesOf(const ArrayVector& args) {
  TypeVector types;
  for (const auto& arg : args) types.push_back(arg->type());
  return types;
}

inline ArrayVector SliceAll(const ArrayVector& args, int64_t offset, int64_t length) {
  ArrayVector out;
  for (const auto& arg : args) out.push_back(arg->Slice(offset, length));
  return out;
}

/// The accumulator's State, checked against StateFields and num_groups.
inline ArrayVector CheckedState(const AggregateFunction& func, const TypeVector& types,
                                bool distinct, GroupsAccumulator* acc, uint32_t num_groups) {
  auto fields = func.StateFields(types, distinct).ValueOrDie();
  auto states = acc->State().ValueOrDie();
  EXPECT_EQ(states.size(), fields.size());
  for (size_t i = 0; i < states.size() && i < fields.size(); ++i) {
    EXPECT_TRUE(states[i]->ValidateFull().ok()) << states[i]->ValidateFull().ToString();
    EXPECT_EQ(states[i]->length(), num_groups);
    EXPECT_TRUE(states[i]->type()->Equals(*fields[i]->type()))
        << func.name() << " state " << states[i]->type()->ToString() << " vs "
        << fields[i]->type()->ToString();
  }
  return states;
}

/// Evaluate, checked against ReturnType and num_groups.
inline ArrayPtr CheckedEvaluate(const AggregateFunction& func, const TypeVector& types,
                                GroupsAccumulator* acc, uint32_t num_groups) {
  auto result = acc->Evaluate().ValueOrDie();
  EXPECT_TRUE(result->ValidateFull().ok()) << result->ValidateFull().ToString();
  EXPECT_EQ(result->length(), num_groups);
  auto declared = func.ReturnType(types).ValueOrDie();
  EXPECT_TRUE(result->type()->Equals(*declared))
      << func.name() << " returned " << result->type()->ToString() << ", declared "
      << declared->ToString();
  return result;
}

/// One accumulator over all rows. `num_rows` matters only for count(*).
inline ArrayPtr RunSingle(const std::string& name, const ArrayVector& args, const Groups& groups,
                          uint32_t num_groups, bool distinct = false) {
  auto func = Function(name);
  const TypeVector types = TypesOf(args);
  auto acc = func->MakeAccumulator(types, distinct).ValueOrDie();
  const auto num_rows = static_cast<int64_t>(groups.size());
  EXPECT_TRUE(acc->Update(args, groups.data(), num_rows, num_groups).ok());
  return CheckedEvaluate(*func, types, acc.get(), num_groups);
}

/// Rows [0, split) go to partial A, the rest to partial B in two batches
/// under B's own (reversed) group numbering; a final accumulator merges A's
/// then B's states. The result must equal RunSingle's.
inline ArrayPtr RunTwoPhase(const std::string& name, const ArrayVector& args, const Groups& groups,
                            uint32_t num_groups, int64_t split, bool distinct = false) {
  auto func = Function(name);
  const TypeVector types = TypesOf(args);
  const auto num_rows = static_cast<int64_t>(groups.size());
  auto a = func->MakeAccumulator(types, distinct).ValueOrDie();
  auto b = func->MakeAccumulator(types, distinct).ValueOrDie();
  auto final_acc = func->MakeAccumulator(types, distinct).ValueOrDie();

  EXPECT_TRUE(a->Update(SliceAll(args, 0, split), groups.data(), split, num_groups).ok());
  Groups reversed;
  for (int64_t i = split; i < num_rows; ++i) reversed.push_back(num_groups - 1 - groups[i]);
  const int64_t half = (num_rows - split) / 2;
  EXPECT_TRUE(b->Update(SliceAll(args, split, half), reversed.data(), half, num_groups).ok());
  EXPECT_TRUE(b->Update(SliceAll(args, split + half, num_rows - split - half),
                        reversed.data() + half, num_rows - split - half, num_groups)
                  .ok());

  Groups identity(num_groups), from_b(num_groups);
  for (uint32_t g = 0; g < num_groups; ++g) {
    identity[g] = g;
    from_b[g] = num_groups - 1 - g;
  }
  auto state_a = CheckedState(*func, types, distinct, a.get(), num_groups);
  auto state_b = CheckedState(*func, types, distinct, b.get(), num_groups);
  EXPECT_TRUE(final_acc->Merge(state_a, identity.data(), num_groups, num_groups).ok());
  EXPECT_TRUE(final_acc->Merge(state_b, from_b.data(), num_groups, num_groups).ok());
  return CheckedEvaluate(*func, types, final_acc.get(), num_groups);
}

/// Asserts `actual` equals `expected` (floats within 1e-9, NaN == NaN).
inline void ExpectEqual(const ArrayPtr& expected, const ArrayPtr& actual) {
  ASSERT_NE(actual, nullptr);
  auto options = arrow::EqualOptions::Defaults().nans_equal(true).atol(1e-9);
  EXPECT_TRUE(actual->ApproxEquals(*expected, options))
      << "expected " << expected->ToString() << "\n got " << actual->ToString();
}

/// Single-phase and two-phase both produce `expected`.
inline void ExpectAggregate(const std::string& name, const ArrayVector& args,
                            const Groups& groups, uint32_t num_groups, const ArrayPtr& expected,
                            bool distinct = false) {
  SCOPED_TRACE(name);
  ExpectEqual(expected, RunSingle(name, args, groups, num_groups, distinct));
  for (int64_t split : {int64_t{0}, static_cast<int64_t>(groups.size() / 3),
                        static_cast<int64_t>(groups.size())}) {
    SCOPED_TRACE("split at " + std::to_string(split));
    ExpectEqual(expected, RunTwoPhase(name, args, groups, num_groups, split, distinct));
  }
}

class AggregatesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(arrow::compute::Initialize().ok()); }
};

}  // namespace aggregate_test
}  // namespace ferry
