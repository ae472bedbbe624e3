// count(DISTINCT x). One Arrow hash grouper keyed on (group id, value)
// does the dedup for every hashable type: a pair id never seen before is a
// new distinct value of that group. The state is each group's distinct
// values as a list, so partial states from partitions merge by re-hashing.

#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/datum.h>
#include <arrow/compute/row/grouper.h>

#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

namespace cp = arrow::compute;

class CountDistinctAccumulator final : public GroupsAccumulator {
 public:
  CountDistinctAccumulator(TypePtr type, std::unique_ptr<cp::Grouper> grouper)
      : type_(std::move(type)), grouper_(std::move(grouper)) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t num_rows,
                uint32_t total_num_groups) override {
    Grow(&counts_, total_num_groups);
    return Consume(group_ids, args[0]);
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    Grow(&counts_, total_num_groups);
    const auto& lists = static_cast<const arrow::ListArray&>(*states[0]);
    if (num_rows == 0) return Status::OK();
    // Flatten the lists into one element array with a group id per element.
    const int32_t first = lists.value_offset(0);
    const int32_t last = lists.value_offset(num_rows);
    std::vector<uint32_t> element_groups(static_cast<size_t>(last - first), kNoGroup);
    for (int64_t r = 0; r < num_rows; ++r) {
      if (lists.IsNull(r)) continue;
      for (int32_t e = lists.value_offset(r); e < lists.value_offset(r + 1); ++e) {
        element_groups[e - first] = group_ids[r];
      }
    }
    auto elements = lists.values()->Slice(first, last - first);
    if (lists.null_count() > 0) {
      // Null lists may still span elements; keep only the valid lists' ones.
      std::vector<int64_t> keep;
      std::vector<uint32_t> kept_groups;
      for (size_t e = 0; e < element_groups.size(); ++e) {
        if (element_groups[e] == kNoGroup) continue;
        keep.push_back(static_cast<int64_t>(e));
        kept_groups.push_back(element_groups[e]);
      }
      const auto num_kept = static_cast<int64_t>(keep.size());
      auto indices =
          std::make_shared<arrow::Int64Array>(num_kept, arrow::Buffer::FromVector(std::move(keep)));
      FERRY_ASSIGN_OR_RAISE(arrow::Datum taken, cp::Take(elements, indices));
      elements = taken.make_array();
      element_groups = std::move(kept_groups);
    }
    return Consume(element_groups.data(), elements);
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(cp::ExecBatch uniques, grouper_->GetUniques());
    const auto& pair_groups = *uniques.values[0].array();
    ArrayPtr values = uniques.values[1].make_array();
    const uint32_t* ids = pair_groups.GetValues<uint32_t>(1);
    std::vector<uint32_t> groups(static_cast<size_t>(pair_groups.length));
    for (size_t e = 0; e < groups.size(); ++e) {
      groups[e] = values->IsValid(static_cast<int64_t>(e)) ? ids[e] : kNoGroup;
    }
    FERRY_ASSIGN_OR_RAISE(
        auto lists,
        GroupIntoLists(arrow::list(type_), values, groups, NumGroups(), /*empty_is_null=*/false));
    return ArrayVector{std::move(lists)};
  }

  Result<ArrayPtr> Evaluate() override {
    return MakeFixedWidthArray(arrow::int64(), counts_, {});
  }

 private:
  uint32_t NumGroups() const { return static_cast<uint32_t>(counts_.size()); }

  Status Consume(const uint32_t* group_ids, const ArrayPtr& values) {
    const int64_t length = values->length();
    if (length == 0) return Status::OK();
    // The group ids are borrowed for the duration of the call only.
    auto id_buffer = std::make_shared<arrow::Buffer>(reinterpret_cast<const uint8_t*>(group_ids),
                                                     length * sizeof(uint32_t));
    auto id_array = std::make_shared<arrow::UInt32Array>(length, std::move(id_buffer));
    cp::ExecBatch batch({arrow::Datum(id_array), arrow::Datum(values)}, length);
    FERRY_ASSIGN_OR_RAISE(arrow::Datum pair_datum, grouper_->Consume(cp::ExecSpan(batch)));
    const uint32_t* pair_ids = pair_datum.array()->GetValues<uint32_t>(1);
    // This batch's new pairs got the ids from num_pairs_ on (not necessarily
    // in row order); count each once, at any one of its rows.
    const uint32_t old_pairs = num_pairs_;
    num_pairs_ = grouper_->num_groups();
    if (num_pairs_ == old_pairs) return Status::OK();
    std::vector<uint8_t> counted(num_pairs_ - old_pairs, 0);
    for (int64_t i = 0; i < length; ++i) {
      if (pair_ids[i] < old_pairs || counted[pair_ids[i] - old_pairs]) continue;
      counted[pair_ids[i] - old_pairs] = 1;
      if (values->IsValid(i)) ++counts_[group_ids[i]];
    }
    return Status::OK();
  }

  TypePtr type_;
  std::unique_ptr<cp::Grouper> grouper_;
  std::vector<int64_t> counts_;
  uint32_t num_pairs_ = 0;
};

}  // namespace

Status CheckCountDistinctType(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::BOOL:
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256:
    case arrow::Type::DATE32:
    case arrow::Type::DATE64:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::DURATION:
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::FIXED_SIZE_BINARY:
      return Status::OK();
    default:
      if (IsNumeric(type.id())) return Status::OK();
      return Unsupported("count(DISTINCT)", type);
  }
}

Result<AccumulatorPtr> MakeCountDistinctAccumulator(const TypePtr& type) {
  FERRY_RETURN_NOT_OK(CheckCountDistinctType(*type));
  FERRY_ASSIGN_OR_RAISE(auto grouper, cp::Grouper::Make({arrow::uint32(), type}));
  return std::make_unique<CountDistinctAccumulator>(type, std::move(grouper));
}

}  // namespace aggregate_internal
}  // namespace ferry
