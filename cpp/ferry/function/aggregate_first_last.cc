// first_value and last_value over any type, nulls included (RESPECT NULLS).
// Rather than copying values per type, each group refers to a row of an
// input array that is kept alive; the values are gathered with one Take at
// the end. Arrays no group refers to any more are released at once, so
// last_value holds about one batch and first_value stops looking at input
// as soon as every group has its first row.

#include <arrow/array/concatenate.h>
#include <arrow/array/util.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/util/bit_util.h>

#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

class FirstLastAccumulator final : public GroupsAccumulator {
 public:
  FirstLastAccumulator(TypePtr type, bool last) : type_(std::move(type)), last_(last) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t num_rows,
                uint32_t total_num_groups) override {
    Grow(&source_of_, total_num_groups, -1);
    Grow(&row_of_, total_num_groups, int64_t{-1});
    if (num_rows == 0 || (!last_ && num_set_ == source_of_.size())) return Status::OK();
    const int32_t source = AddSource(args[0]);
    for (int64_t i = 0; i < num_rows; ++i) Offer(group_ids[i], source, i);
    ReleaseIfUnused(source);
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    Grow(&source_of_, total_num_groups, -1);
    Grow(&row_of_, total_num_groups, int64_t{-1});
    if (num_rows == 0) return Status::OK();
    const int32_t source = AddSource(states[0]);
    const auto& is_set = static_cast<const arrow::BooleanArray&>(*states[1]);
    for (int64_t i = 0; i < num_rows; ++i) {
      if (is_set.IsValid(i) && is_set.Value(i)) Offer(group_ids[i], source, i);
    }
    ReleaseIfUnused(source);
    return Status::OK();
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto values, Evaluate());
    std::vector<uint8_t> set(source_of_.size());
    for (size_t g = 0; g < set.size(); ++g) set[g] = source_of_[g] >= 0;
    FERRY_ASSIGN_OR_RAISE(auto bits, PackBools(set));
    auto is_set = std::make_shared<arrow::BooleanArray>(static_cast<int64_t>(set.size()),
                                                        std::move(bits));
    return ArrayVector{std::move(values), std::move(is_set)};
  }

  Result<ArrayPtr> Evaluate() override {
    const auto num_groups = static_cast<int64_t>(source_of_.size());
    if (num_set_ == 0) return arrow::MakeArrayOfNull(type_, num_groups);
    // Concatenate the live arrays and turn (source, row) into one index;
    // groups without a row get a null index, hence a null value.
    std::vector<int64_t> base(sources_.size(), 0);
    arrow::ArrayVector live;
    int64_t length = 0;
    for (size_t s = 0; s < sources_.size(); ++s) {
      if (!sources_[s]) continue;
      base[s] = length;
      length += sources_[s]->length();
      live.push_back(sources_[s]);
    }
    ArrayPtr values = live[0];
    if (live.size() > 1) {
      FERRY_ASSIGN_OR_RAISE(values, arrow::Concatenate(live));
    }
    std::vector<int64_t> indices(source_of_.size(), 0);
    std::vector<uint8_t> valid(source_of_.size());
    for (size_t g = 0; g < indices.size(); ++g) {
      valid[g] = source_of_[g] >= 0;
      if (valid[g]) indices[g] = base[source_of_[g]] + row_of_[g];
    }
    int64_t null_count = 0;
    FERRY_ASSIGN_OR_RAISE(auto bitmap, BitmapFromFlags(valid, &null_count));
    auto index_array = std::make_shared<arrow::Int64Array>(
        num_groups, arrow::Buffer::FromVector(std::move(indices)), std::move(bitmap), null_count);
    FERRY_ASSIGN_OR_RAISE(arrow::Datum taken, arrow::compute::Take(values, index_array));
    return taken.make_array();
  }

 private:
  int32_t AddSource(ArrayPtr array) {
    sources_.push_back(std::move(array));
    refs_.push_back(0);
    return static_cast<int32_t>(sources_.size() - 1);
  }

  // Row `row` of `source` arrives for group g: first_value keeps the first
  // offer, last_value every later one.
  void Offer(uint32_t g, int32_t source, int64_t row) {
    const int32_t old = source_of_[g];
    if (old >= 0 && !last_) return;
    if (old != source) {
      if (old >= 0) {
        ReleaseRef(old);
      } else {
        ++num_set_;
      }
      ++refs_[source];
      source_of_[g] = source;
    }
    row_of_[g] = row;
  }

  void ReleaseRef(int32_t source) {
    if (--refs_[source] == 0) sources_[source].reset();
  }

  void ReleaseIfUnused(int32_t source) {
    if (refs_[source] == 0) sources_[source].reset();
  }

  TypePtr type_;
  bool last_;
  arrow::ArrayVector sources_;  // null once no group refers to it
  std::vector<int64_t> refs_;   // groups referring to each source
  std::vector<int32_t> source_of_;  // per group; -1 while unset
  std::vector<int64_t> row_of_;
  size_t num_set_ = 0;
};

class FirstLastFunction final : public UnaryAggregate {
 public:
  explicit FirstLastFunction(bool last)
      : UnaryAggregate(last ? "last_value" : "first_value"), last_(last) {}

 protected:
  Result<TypePtr> ReturnTypeFor(const TypePtr& type) const override { return type; }

  Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const override {
    return arrow::FieldVector{arrow::field(name(), type),
                              arrow::field("is_set", arrow::boolean(), false)};
  }

  Result<AccumulatorPtr> MakeFor(const TypePtr& type) const override {
    return std::make_unique<FirstLastAccumulator>(type, last_);
  }

 private:
  bool last_;
};

}  // namespace

std::shared_ptr<const AggregateFunction> MakeFirstLastFunction(bool last) {
  return std::make_shared<FirstLastFunction>(last);
}

}  // namespace aggregate_internal
}  // namespace ferry
