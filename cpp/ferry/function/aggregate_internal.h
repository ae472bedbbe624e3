#pragma once

/// Shared pieces of the built-in aggregate functions (aggregate_*.cc only):
/// a base class that validates a single argument, row loops that skip the
/// validity bitmap when there are no nulls, and builders that turn
/// group-indexed state vectors into Arrow arrays.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/type.h>
#include <arrow/util/bit_run_reader.h>

#include "ferry/common/status.h"
#include "ferry/function/aggregate_function.h"

namespace ferry {
namespace aggregate_internal {

using AccumulatorPtr = std::unique_ptr<GroupsAccumulator>;
using TypePtr = std::shared_ptr<arrow::DataType>;
using ArrayPtr = std::shared_ptr<arrow::Array>;

/// TypeError "<function> does not support <Type>".
Status Unsupported(const std::string& function, const arrow::DataType& type);

/// Invalid "<function> expects <expected> argument(s), got <n>".
Status WrongArity(const std::string& function, const std::string& expected, size_t got);

/// Base for the one-argument built-ins that have no DISTINCT form: checks
/// arity and DISTINCT once, so subclasses only see one argument type.
class UnaryAggregate : public AggregateFunction {
 public:
  explicit UnaryAggregate(std::string name) : name_(std::move(name)) {}

  const std::string& name() const final { return name_; }
  Result<TypePtr> ReturnType(const TypeVector& arg_types) const final;
  Result<arrow::FieldVector> StateFields(const TypeVector& arg_types, bool distinct) const final;
  Result<AccumulatorPtr> MakeAccumulator(const TypeVector& arg_types, bool distinct) const final;

 protected:
  /// Each reports Unsupported(name(), *type) for types it cannot handle.
  virtual Result<TypePtr> ReturnTypeFor(const TypePtr& type) const = 0;
  virtual Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const = 0;
  virtual Result<AccumulatorPtr> MakeFor(const TypePtr& type) const = 0;

 private:
  Status Check(const TypeVector& arg_types, bool distinct) const;

  std::string name_;
};

/// Calls visit(i) for every non-null row of `data`, i relative to its offset.
template <typename Visit>
void ForEachValid(const arrow::ArrayData& data, Visit&& visit) {
  const int64_t null_count = data.GetNullCount();
  if (null_count == 0 || data.buffers[0] == nullptr) {
    if (data.type->id() == arrow::Type::NA) return;
    for (int64_t i = 0; i < data.length; ++i) visit(i);
    return;
  }
  if (null_count == data.length) return;
  arrow::internal::VisitSetBitRunsVoid(data.buffers[0], data.offset, data.length,
                                       [&](int64_t position, int64_t length) {
                                         const int64_t end = position + length;
                                         for (int64_t i = position; i < end; ++i) visit(i);
                                       });
}

/// True for the integer and floating point types (not float16), the inputs
/// of the arithmetic aggregates.
inline bool IsNumeric(arrow::Type::type id) {
  return arrow::is_integer(id) || id == arrow::Type::FLOAT || id == arrow::Type::DOUBLE;
}

/// Calls make.template operator()<ArrowType>() for a numeric `type`;
/// returns `otherwise` for any other type.
template <typename Make>
Result<AccumulatorPtr> MakeNumeric(const arrow::DataType& type, Make&& make, Status otherwise) {
  switch (type.id()) {
    case arrow::Type::INT8:
      return make.template operator()<arrow::Int8Type>();
    case arrow::Type::INT16:
      return make.template operator()<arrow::Int16Type>();
    case arrow::Type::INT32:
      return make.template operator()<arrow::Int32Type>();
    case arrow::Type::INT64:
      return make.template operator()<arrow::Int64Type>();
    case arrow::Type::UINT8:
      return make.template operator()<arrow::UInt8Type>();
    case arrow::Type::UINT16:
      return make.template operator()<arrow::UInt16Type>();
    case arrow::Type::UINT32:
      return make.template operator()<arrow::UInt32Type>();
    case arrow::Type::UINT64:
      return make.template operator()<arrow::UInt64Type>();
    case arrow::Type::FLOAT:
      return make.template operator()<arrow::FloatType>();
    case arrow::Type::DOUBLE:
      return make.template operator()<arrow::DoubleType>();
    default:
      return otherwise;
  }
}

/// Grows a group-indexed state vector to `num_groups`, new groups set to `init`.
template <typename T>
void Grow(std::vector<T>* states, uint32_t num_groups, T init = T{}) {
  if (states->size() < num_groups) states->resize(num_groups, init);
}

/// Validity bitmap with bit g set where flags[g] != 0, or nullptr (and a
/// null count of 0) when every flag is set.
Result<std::shared_ptr<arrow::Buffer>> BitmapFromFlags(const std::vector<uint8_t>& flags,
                                                       int64_t* null_count);

/// Bitmap of `flags` as packed booleans (for boolean value buffers).
Result<std::shared_ptr<arrow::Buffer>> PackBools(const std::vector<uint8_t>& flags);

/// An array of `type` whose value buffer is `values`, null where
/// valid[g] == 0 (pass an empty `valid` for no nulls).
template <typename CType>
Result<ArrayPtr> MakeFixedWidthArray(const TypePtr& type, const std::vector<CType>& values,
                                     const std::vector<uint8_t>& valid) {
  static_assert(std::is_trivially_copyable_v<CType>);
  int64_t null_count = 0;
  std::shared_ptr<arrow::Buffer> bitmap;
  if (!valid.empty()) {
    FERRY_ASSIGN_OR_RAISE(bitmap, BitmapFromFlags(valid, &null_count));
  }
  const auto length = static_cast<int64_t>(values.size());
  FERRY_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> buffer,
                        arrow::AllocateBuffer(length * static_cast<int64_t>(sizeof(CType))));
  if (length > 0) std::memcpy(buffer->mutable_data(), values.data(), buffer->size());
  return arrow::MakeArray(
      arrow::ArrayData::Make(type, length, {std::move(bitmap), std::move(buffer)}, null_count));
}

/// Marks an element that GroupIntoLists should drop.
inline constexpr uint32_t kNoGroup = UINT32_MAX;

/// Slots of a stable counting sort by group: group g's elements go to
/// [offsets[g], offsets[g + 1]); kNoGroup elements are left out.
std::vector<int32_t> GroupOffsets(const std::vector<uint32_t>& groups, uint32_t num_groups);

/// A list<T> array over `values`, already in group order, cut at
/// `offsets`; empty lists become null when `empty_is_null`.
Result<ArrayPtr> MakeLists(const TypePtr& list_type, std::vector<int32_t> offsets,
                           ArrayPtr values, bool empty_is_null);

/// Gathers `values` into one list per group, element e going to group
/// groups[e] (values->length() entries), keeping element order within each
/// group. Groups with no elements get null when `empty_is_null`, else [].
Result<ArrayPtr> GroupIntoLists(const TypePtr& list_type, const ArrayPtr& values,
                                const std::vector<uint32_t>& groups, uint32_t num_groups,
                                bool empty_is_null);

/// Factories for the functions, one per implementation file.
std::shared_ptr<const AggregateFunction> MakeCountFunction();
std::shared_ptr<const AggregateFunction> MakeSumFunction();
std::shared_ptr<const AggregateFunction> MakeAvgFunction(std::string name);
std::shared_ptr<const AggregateFunction> MakeMinMaxFunction(bool is_max);
std::shared_ptr<const AggregateFunction> MakeVarianceFunction(std::string name, bool sample,
                                                              bool sqrt);
std::shared_ptr<const AggregateFunction> MakeFirstLastFunction(bool last);
std::shared_ptr<const AggregateFunction> MakeArrayAggFunction();

/// count(DISTINCT x): TypeError for types that cannot be hashed.
Result<AccumulatorPtr> MakeCountDistinctAccumulator(const TypePtr& type);
Status CheckCountDistinctType(const arrow::DataType& type);

}  // namespace aggregate_internal
}  // namespace ferry
