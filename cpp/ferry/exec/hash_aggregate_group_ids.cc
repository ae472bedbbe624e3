#include "ferry/exec/hash_aggregate_group_ids.h"

#include <algorithm>
#include <cstring>

#include <arrow/array/util.h>
#include <arrow/compute/exec.h>
#include <arrow/util/bitmap_ops.h>

#include "ferry/function/grouping_key.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;

bool IsFixedWidthCandidate(const arrow::DataType& type) {
  return type.id() == arrow::Type::STRING || type.id() == arrow::Type::BINARY;
}

// The one length every valid value of a string/binary array has: 0 when no
// value is valid, -1 when lengths differ, are empty or exceed the maximum.
int32_t UniformWidth(const arrow::Array& array) {
  const arrow::ArrayData& data = *array.data();
  const int32_t* offsets = data.GetValues<int32_t>(1);
  const uint8_t* valid = array.null_count() > 0 ? data.buffers[0]->data() : nullptr;
  int32_t width = 0;
  for (int64_t i = 0; i < data.length; ++i) {
    if (valid && !arrow::bit_util::GetBit(valid, data.offset + i)) continue;
    const int32_t length = offsets[i + 1] - offsets[i];
    if (width == 0) width = length;
    if (length != width || length == 0) return -1;
  }
  return width <= GroupIds::kMaxFixedWidth ? width : -1;
}

// The validity of `data` from bit 0, or nullptr without nulls.
Result<std::shared_ptr<arrow::Buffer>> ValidityFromZero(const arrow::ArrayData& data) {
  if (data.GetNullCount() == 0) return nullptr;
  if (data.offset == 0) return data.buffers[0];
  return arrow::internal::CopyBitmap(arrow::default_memory_pool(), data.buffers[0]->data(),
                                     data.offset, data.length);
}

// A string/binary array whose valid values are `width` bytes long as
// fixed_size_binary(width). Without NULLs the values are contiguous and
// borrowed; NULL rows (often zero-length) make a copy.
Result<std::shared_ptr<arrow::Array>> ToFixedWidth(const arrow::Array& array, int32_t width) {
  const arrow::ArrayData& data = *array.data();
  const int32_t* offsets = data.GetValues<int32_t>(1);
  const int64_t n = data.length;
  auto type = arrow::fixed_size_binary(width);
  if (n == 0) return arrow::MakeEmptyArray(type);
  if (data.GetNullCount() == 0) {
    auto values = arrow::SliceBuffer(data.buffers[2], offsets[0], n * width);
    return arrow::MakeArray(arrow::ArrayData::Make(type, n, {nullptr, std::move(values)}, 0));
  }
  FERRY_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(n * width));
  std::memset(values->mutable_data(), 0, n * width);
  const uint8_t* valid = data.buffers[0]->data();
  const uint8_t* bytes = data.buffers[2] ? data.buffers[2]->data() : nullptr;  // all NULL
  for (int64_t i = 0; i < n; ++i) {
    if (arrow::bit_util::GetBit(valid, data.offset + i)) {
      std::memcpy(values->mutable_data() + i * width, bytes + offsets[i], width);
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto validity, ValidityFromZero(data));
  return arrow::MakeArray(arrow::ArrayData::Make(type, n, {std::move(validity), std::move(values)},
                                                 data.GetNullCount()));
}

// The inverse: fixed_size_binary(width) values as an array of `type`
// (string or binary), borrowing the bytes.
Result<std::shared_ptr<arrow::Array>> FromFixedWidth(const arrow::Array& array,
                                                     const std::shared_ptr<arrow::DataType>& type,
                                                     int32_t width) {
  const arrow::ArrayData& data = *array.data();
  const int64_t n = data.length;
  if (n == 0) return arrow::MakeEmptyArray(type);
  FERRY_ASSIGN_OR_RAISE(auto offsets, arrow::AllocateBuffer((n + 1) * sizeof(int32_t)));
  auto* out = reinterpret_cast<int32_t*>(offsets->mutable_data());
  for (int64_t i = 0; i <= n; ++i) out[i] = static_cast<int32_t>(i * width);
  auto values = arrow::SliceBuffer(data.buffers[1], data.offset * width, n * width);
  FERRY_ASSIGN_OR_RAISE(auto validity, ValidityFromZero(data));
  return arrow::MakeArray(arrow::ArrayData::Make(
      type, n, {std::move(validity), std::move(offsets), std::move(values)}, data.GetNullCount()));
}

}  // namespace

Result<GroupIds> GroupIds::Make(const TypeVector& key_types, int64_t expected_groups) {
  GroupIds ids;
  ids.expected_groups_ = expected_groups;
  ids.key_types_ = key_types;
  ids.fixed_width_.assign(key_types.size(), 0);
  if (key_types.size() == 1) ids.int_key_type_ = key_types.front();
  return ids;
}

Status GroupIds::Start(const arrow::ArrayVector& keys) {
  std::vector<arrow::TypeHolder> types;
  for (size_t k = 0; k < key_types_.size(); ++k) {
    if (!keys.empty() && IsFixedWidthCandidate(*key_types_[k])) {
      fixed_width_[k] = std::max(0, UniformWidth(*keys[k]));
    }
    if (fixed_width_[k] > 0) {
      types.emplace_back(arrow::fixed_size_binary(fixed_width_[k]));
    } else {
      types.emplace_back(key_types_[k]);
    }
  }
  FERRY_ASSIGN_OR_RAISE(grouper_, cp::Grouper::Make(types));
  started_ = true;
  return Status::OK();
}

Result<const uint32_t*> GroupIds::Consume(const arrow::ArrayVector& keys, int64_t num_rows) {
  if (int_key_type_ && grouper_ && grouper_->num_groups() > kIntKeyGroups) {
    FERRY_RETURN_NOT_OK(MoveToIntKeyGrouper());
  }
  if (int_grouper_) {
    if (static_cast<int64_t>(ids_.size()) < num_rows) ids_.resize(num_rows);
    int_grouper_->Consume(*keys.front(), ids_.data());
    return ids_.data();
  }
  if (key_types_.empty()) {
    if (static_cast<int64_t>(zeros_.size()) < num_rows) zeros_.resize(num_rows, 0);
    return zeros_.data();
  }
  if (!started_) FERRY_RETURN_NOT_OK(Start(keys));
  std::vector<arrow::Datum> values;
  for (size_t k = 0; k < keys.size(); ++k) {
    FERRY_ASSIGN_OR_RAISE(auto normalized, NormalizeGroupingKey(keys[k]));
    if (fixed_width_[k] > 0) {
      const int32_t width = UniformWidth(*normalized);
      if (width != 0 && width != fixed_width_[k]) {
        FERRY_RETURN_NOT_OK(StopFixedWidth());
        return Consume(keys, num_rows);
      }
      FERRY_ASSIGN_OR_RAISE(normalized, ToFixedWidth(*normalized, fixed_width_[k]));
    }
    values.emplace_back(std::move(normalized));
  }
  cp::ExecBatch batch(std::move(values), num_rows);
  FERRY_ASSIGN_OR_RAISE(current_, grouper_->Consume(cp::ExecSpan(batch)));
  return current_.array()->GetValues<uint32_t>(1);
}

uint32_t GroupIds::num_groups() const {
  if (int_grouper_) return int_grouper_->num_groups();
  if (key_types_.empty()) return 1;
  return grouper_ ? grouper_->num_groups() : 0;
}

Result<arrow::ArrayVector> GroupIds::Keys() {
  if (int_grouper_) {
    FERRY_ASSIGN_OR_RAISE(auto uniques, int_grouper_->Uniques());
    return arrow::ArrayVector{std::move(uniques)};
  }
  if (key_types_.empty()) return arrow::ArrayVector{};
  if (!started_) FERRY_RETURN_NOT_OK(Start({}));
  return ArrowKeys();
}

Result<arrow::ArrayVector> GroupIds::ArrowKeys() const {
  FERRY_ASSIGN_OR_RAISE(auto uniques, grouper_->GetUniques());
  arrow::ArrayVector keys;
  for (size_t k = 0; k < uniques.values.size(); ++k) {
    auto array = uniques.values[k].make_array();
    if (fixed_width_[k] > 0) {
      FERRY_ASSIGN_OR_RAISE(array, FromFixedWidth(*array, key_types_[k], fixed_width_[k]));
    }
    keys.push_back(std::move(array));
  }
  return keys;
}

Status GroupIds::StopFixedWidth() {
  FERRY_ASSIGN_OR_RAISE(auto uniques, ArrowKeys());
  const int64_t n = grouper_->num_groups();
  std::fill(fixed_width_.begin(), fixed_width_.end(), 0);
  auto old = std::move(grouper_);
  FERRY_RETURN_NOT_OK(Start({}));
  std::vector<arrow::Datum> values(uniques.begin(), uniques.end());
  cp::ExecBatch batch(std::move(values), n);
  FERRY_ASSIGN_OR_RAISE(auto ids, grouper_->Consume(cp::ExecSpan(batch)));
  const uint32_t* id = ids.array()->GetValues<uint32_t>(1);
  for (int64_t i = 0; i < n; ++i) {
    if (id[i] != i) return Status::Invalid("group ids changed leaving fixed-width string keys");
  }
  return Status::OK();
}

// Arrow's uniques are in id order: consumed afresh, each gets its id.
Status GroupIds::MoveToIntKeyGrouper() {
  // Past kIntKeyGroups groups a large estimate is no wild guess for a
  // small input; still, room for at most 32 times the groups here now
  // (an estimate can be far off), at least twice.
  const int64_t now = grouper_->num_groups();
  const int64_t expected = std::clamp(expected_groups_, 2 * now, 32 * now);
  auto int_grouper = IntKeyGrouper::Make(int_key_type_, expected);
  int_key_type_ = nullptr;  // decided once
  if (!int_grouper) return Status::OK();
  FERRY_ASSIGN_OR_RAISE(auto uniques, grouper_->GetUniques());
  const auto keys = uniques.values[0].make_array();
  std::vector<uint32_t> ids(keys->length());
  int_grouper->Consume(*keys, ids.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != i) return Status::Invalid("group ids changed moving to an integer key grouper");
  }
  int_grouper_ = std::move(int_grouper);
  grouper_.reset();
  return Status::OK();
}

}  // namespace ferry
