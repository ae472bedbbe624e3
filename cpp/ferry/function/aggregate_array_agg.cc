// array_agg(x): every value of a group, nulls included, in arrival order.
// Input arrays are kept whole with a group id per row; at the end one
// stable counting sort by group and one Take build the list<T> result, so
// any type works without per-type code.

#include <algorithm>

#include <arrow/array/concatenate.h>
#include <arrow/array/util.h>

#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

class ArrayAggAccumulator final : public GroupsAccumulator {
 public:
  explicit ArrayAggAccumulator(TypePtr type) : type_(std::move(type)) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t num_rows,
                uint32_t total_num_groups) override {
    num_groups_ = std::max(num_groups_, total_num_groups);
    if (num_rows == 0) return Status::OK();
    chunks_.push_back(args[0]);
    groups_.insert(groups_.end(), group_ids, group_ids + num_rows);
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    num_groups_ = std::max(num_groups_, total_num_groups);
    if (num_rows == 0) return Status::OK();
    const auto& lists = static_cast<const arrow::ListArray&>(*states[0]);
    const int32_t first = lists.value_offset(0);
    const int32_t last = lists.value_offset(num_rows);
    const size_t start = groups_.size();
    // Elements under a null list (allowed to span some) are dropped later.
    groups_.resize(start + static_cast<size_t>(last - first), kNoGroup);
    for (int64_t r = 0; r < num_rows; ++r) {
      if (lists.IsNull(r)) continue;
      std::fill(groups_.begin() + start + (lists.value_offset(r) - first),
                groups_.begin() + start + (lists.value_offset(r + 1) - first), group_ids[r]);
    }
    chunks_.push_back(lists.values()->Slice(first, last - first));
    return Status::OK();
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto lists, Evaluate());
    return ArrayVector{std::move(lists)};
  }

  Result<ArrayPtr> Evaluate() override {
    ArrayPtr values;
    if (chunks_.empty()) {
      FERRY_ASSIGN_OR_RAISE(values, arrow::MakeEmptyArray(type_));
    } else if (chunks_.size() == 1) {
      values = chunks_[0];
    } else {
      FERRY_ASSIGN_OR_RAISE(values, arrow::Concatenate(chunks_));
    }
    return GroupIntoLists(arrow::list(type_), values, groups_, num_groups_,
                          /*empty_is_null=*/true);
  }

 private:
  TypePtr type_;
  arrow::ArrayVector chunks_;
  std::vector<uint32_t> groups_;  // one per element of chunks_, in order
  uint32_t num_groups_ = 0;
};

class ArrayAggFunction final : public UnaryAggregate {
 public:
  ArrayAggFunction() : UnaryAggregate("array_agg") {}

 protected:
  Result<TypePtr> ReturnTypeFor(const TypePtr& type) const override { return arrow::list(type); }

  Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const override {
    return arrow::FieldVector{arrow::field(name(), arrow::list(type))};
  }

  Result<AccumulatorPtr> MakeFor(const TypePtr& type) const override {
    return std::make_unique<ArrayAggAccumulator>(type);
  }
};

}  // namespace

std::shared_ptr<const AggregateFunction> MakeArrayAggFunction() {
  return std::make_shared<ArrayAggFunction>();
}

}  // namespace aggregate_internal
}  // namespace ferry
