#include "ferry/function/aggregate_internal.h"

#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/util/bitmap_generate.h>

#include "ferry/expr/expr.h"

namespace ferry {
namespace aggregate_internal {

Status Unsupported(const std::string& function, const arrow::DataType& type) {
  return Status::TypeError(function, " does not support ", DisplayTypeName(type));
}

Status WrongArity(const std::string& function, const std::string& expected, size_t got) {
  return Status::Invalid(function, " expects ", expected, " argument",
                         expected == "1" ? "" : "s", ", got ", got);
}

Status UnaryAggregate::Check(const TypeVector& arg_types, bool distinct) const {
  if (arg_types.size() != 1) return WrongArity(name_, "1", arg_types.size());
  if (distinct) {
    return Status::NotImplemented("DISTINCT is only supported for count, not ", name_);
  }
  return Status::OK();
}

Result<TypePtr> UnaryAggregate::ReturnType(const TypeVector& arg_types) const {
  FERRY_RETURN_NOT_OK(Check(arg_types, false));
  return ReturnTypeFor(arg_types[0]);
}

Result<arrow::FieldVector> UnaryAggregate::StateFields(const TypeVector& arg_types,
                                                       bool distinct) const {
  FERRY_RETURN_NOT_OK(Check(arg_types, distinct));
  return StateFieldsFor(arg_types[0]);
}

Result<AccumulatorPtr> UnaryAggregate::MakeAccumulator(const TypeVector& arg_types,
                                                       bool distinct) const {
  FERRY_RETURN_NOT_OK(Check(arg_types, distinct));
  return MakeFor(arg_types[0]);
}

Result<std::shared_ptr<arrow::Buffer>> BitmapFromFlags(const std::vector<uint8_t>& flags,
                                                       int64_t* null_count) {
  const auto length = static_cast<int64_t>(flags.size());
  int64_t valid = 0;
  for (uint8_t flag : flags) valid += flag != 0;
  *null_count = length - valid;
  if (*null_count == 0) return nullptr;
  return PackBools(flags);
}

Result<std::shared_ptr<arrow::Buffer>> PackBools(const std::vector<uint8_t>& flags) {
  const auto length = static_cast<int64_t>(flags.size());
  FERRY_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> bitmap,
                        arrow::AllocateEmptyBitmap(length));
  const uint8_t* next = flags.data();
  arrow::internal::GenerateBitsUnrolled(bitmap->mutable_data(), 0, length,
                                        [&]() { return *next++ != 0; });
  return bitmap;
}

std::vector<int32_t> GroupOffsets(const std::vector<uint32_t>& groups, uint32_t num_groups) {
  std::vector<int32_t> offsets(static_cast<size_t>(num_groups) + 1, 0);
  for (uint32_t group : groups) {
    if (group != kNoGroup) ++offsets[group + 1];
  }
  for (uint32_t g = 0; g < num_groups; ++g) offsets[g + 1] += offsets[g];
  return offsets;
}

Result<ArrayPtr> MakeLists(const TypePtr& list_type, std::vector<int32_t> offsets,
                           ArrayPtr values, bool empty_is_null) {
  const auto num_groups = static_cast<int64_t>(offsets.size()) - 1;
  std::shared_ptr<arrow::Buffer> bitmap;
  int64_t null_count = 0;
  if (empty_is_null) {
    std::vector<uint8_t> nonempty(num_groups);
    for (int64_t g = 0; g < num_groups; ++g) nonempty[g] = offsets[g + 1] != offsets[g];
    FERRY_ASSIGN_OR_RAISE(bitmap, BitmapFromFlags(nonempty, &null_count));
  }
  return std::make_shared<arrow::ListArray>(list_type, num_groups,
                                            arrow::Buffer::FromVector(std::move(offsets)),
                                            std::move(values), std::move(bitmap), null_count);
}

Result<ArrayPtr> GroupIntoLists(const TypePtr& list_type, const ArrayPtr& values,
                                const std::vector<uint32_t>& groups, uint32_t num_groups,
                                bool empty_is_null) {
  // The permutation gathers each group's elements in their original order.
  std::vector<int32_t> offsets = GroupOffsets(groups, num_groups);
  std::vector<int64_t> indices(static_cast<size_t>(offsets[num_groups]));
  std::vector<int32_t> cursor(offsets.begin(), offsets.end() - 1);
  bool identity = indices.size() == groups.size();
  for (size_t e = 0; e < groups.size(); ++e) {
    if (groups[e] == kNoGroup) continue;
    const int32_t slot = cursor[groups[e]]++;
    indices[slot] = static_cast<int64_t>(e);
    identity &= slot == static_cast<int32_t>(e);
  }
  ArrayPtr gathered = values;
  if (!identity) {
    const auto num_indices = static_cast<int64_t>(indices.size());
    auto index_array = std::make_shared<arrow::Int64Array>(
        num_indices, arrow::Buffer::FromVector(std::move(indices)));
    FERRY_ASSIGN_OR_RAISE(arrow::Datum taken, arrow::compute::Take(values, index_array));
    gathered = taken.make_array();
  }
  return MakeLists(list_type, std::move(offsets), std::move(gathered), empty_is_null);
}

}  // namespace aggregate_internal
}  // namespace ferry
