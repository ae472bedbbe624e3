// count(x) and count(*): an int64 per group that is never null. DISTINCT is
// handed to aggregate_count_distinct.cc.

#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

class CountAccumulator final : public GroupsAccumulator {
 public:
  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t num_rows,
                uint32_t total_num_groups) override {
    Grow(&counts_, total_num_groups);
    int64_t* counts = counts_.data();
    if (args.empty()) {
      for (int64_t i = 0; i < num_rows; ++i) ++counts[group_ids[i]];
    } else {
      ForEachValid(*args[0]->data(), [&](int64_t i) { ++counts[group_ids[i]]; });
    }
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    Grow(&counts_, total_num_groups);
    int64_t* counts = counts_.data();
    const int64_t* partial = states[0]->data()->GetValues<int64_t>(1);
    ForEachValid(*states[0]->data(), [&](int64_t i) { counts[group_ids[i]] += partial[i]; });
    return Status::OK();
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto counts, Evaluate());
    return ArrayVector{std::move(counts)};
  }

  Result<ArrayPtr> Evaluate() override {
    return MakeFixedWidthArray(arrow::int64(), counts_, {});
  }

 private:
  std::vector<int64_t> counts_;
};

class CountFunction final : public AggregateFunction {
 public:
  bool cheap_row_states(bool distinct) const override { return !distinct; }
  const std::string& name() const override { return name_; }

  Result<TypePtr> ReturnType(const TypeVector& arg_types) const override {
    FERRY_RETURN_NOT_OK(CheckArity(arg_types, false));
    return arrow::int64();
  }

  Result<arrow::FieldVector> StateFields(const TypeVector& arg_types,
                                         bool distinct) const override {
    FERRY_RETURN_NOT_OK(CheckArity(arg_types, distinct));
    if (distinct) {
      // The distinct values themselves, so partitions' sets can be united.
      FERRY_RETURN_NOT_OK(CheckCountDistinctType(*arg_types[0]));
      return arrow::FieldVector{arrow::field("count distinct", arrow::list(arg_types[0]))};
    }
    return arrow::FieldVector{arrow::field("count", arrow::int64(), /*nullable=*/false)};
  }

  Result<AccumulatorPtr> MakeAccumulator(const TypeVector& arg_types,
                                         bool distinct) const override {
    FERRY_RETURN_NOT_OK(CheckArity(arg_types, distinct));
    if (distinct) return MakeCountDistinctAccumulator(arg_types[0]);
    return std::make_unique<CountAccumulator>();
  }

 private:
  Status CheckArity(const TypeVector& arg_types, bool distinct) const {
    if (distinct && arg_types.size() != 1) {
      return WrongArity("count(DISTINCT)", "1", arg_types.size());
    }
    if (arg_types.size() > 1) return WrongArity(name_, "0 or 1", arg_types.size());
    return Status::OK();
  }

  std::string name_ = "count";
};

}  // namespace

std::shared_ptr<const AggregateFunction> MakeCountFunction() {
  return std::make_shared<CountFunction>();
}

}  // namespace aggregate_internal
}  // namespace ferry
