// array_agg(x): every value of a group, nulls included, in arrival order.
// Input arrays are kept whole with a group id per row; at the end a stable
// counting sort by group gives each row its slot in the list<T> values.
// Fixed-width values are scattered straight into their slots (sequential
// reads, one write stream per group); other types go through one Take.

#include <algorithm>
#include <cstring>

#include <arrow/array/concatenate.h>
#include <arrow/array/util.h>
#include <arrow/util/bit_util.h>

#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

// Element types whose values are one buffer of fixed-size slots.
int FixedByteWidth(const arrow::DataType& type) {
  const bool fixed = (arrow::is_primitive(type.id()) && type.id() != arrow::Type::BOOL) ||
                     type.id() == arrow::Type::DECIMAL128 ||
                     type.id() == arrow::Type::DECIMAL256 ||
                     type.id() == arrow::Type::FIXED_SIZE_BINARY;
  return fixed ? static_cast<const arrow::FixedWidthType&>(type).byte_width() : 0;
}

template <int kWidth>
struct Slot {
  uint8_t bytes[kWidth];
};

// Copies chunk row i to slot cursor[groups[i]]++ of `out` (and its validity
// bit into `out_bits` when there is one); kWidth 0 means `width` bytes.
template <int kWidth>
void Scatter(const arrow::ArrayData& chunk, const uint32_t* groups, int width, int32_t* cursor,
             uint8_t* out, uint8_t* out_bits) {
  if (chunk.length == 0) return;
  const uint8_t* in = chunk.buffers[1]->data() + chunk.offset * width;
  const uint8_t* in_bits =
      chunk.GetNullCount() > 0 && chunk.buffers[0] ? chunk.buffers[0]->data() : nullptr;
  for (int64_t i = 0; i < chunk.length; ++i) {
    const uint32_t g = groups[i];
    if (g == kNoGroup) continue;
    const int32_t slot = cursor[g]++;
    if constexpr (kWidth > 0) {
      reinterpret_cast<Slot<kWidth>*>(out)[slot] = reinterpret_cast<const Slot<kWidth>*>(in)[i];
    } else {
      std::memcpy(out + static_cast<int64_t>(slot) * width, in + i * width, width);
    }
    if (out_bits && (!in_bits || arrow::bit_util::GetBit(in_bits, chunk.offset + i))) {
      arrow::bit_util::SetBit(out_bits, slot);
    }
  }
}

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
    const int width = FixedByteWidth(*type_);
    if (width > 0) return ScatterFixedWidth(width);
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
  Result<ArrayPtr> ScatterFixedWidth(int width) {
    std::vector<int32_t> offsets = GroupOffsets(groups_, num_groups_);
    const int64_t length = offsets.back();
    FERRY_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> values,
                          arrow::AllocateBuffer(length * width));
    std::shared_ptr<arrow::Buffer> bits;
    bool any_null = false;
    for (const auto& chunk : chunks_) any_null |= chunk->null_count() > 0;
    if (any_null) {
      FERRY_ASSIGN_OR_RAISE(bits, arrow::AllocateEmptyBitmap(length));
    }
    uint8_t* out = values->mutable_data();
    uint8_t* out_bits = bits ? bits->mutable_data() : nullptr;
    std::vector<int32_t> cursor(offsets.begin(), offsets.end() - 1);
    const uint32_t* groups = groups_.data();
    for (const auto& chunk : chunks_) {
      const arrow::ArrayData& data = *chunk->data();
      switch (width) {
        case 1:
          Scatter<1>(data, groups, width, cursor.data(), out, out_bits);
          break;
        case 2:
          Scatter<2>(data, groups, width, cursor.data(), out, out_bits);
          break;
        case 4:
          Scatter<4>(data, groups, width, cursor.data(), out, out_bits);
          break;
        case 8:
          Scatter<8>(data, groups, width, cursor.data(), out, out_bits);
          break;
        case 16:
          Scatter<16>(data, groups, width, cursor.data(), out, out_bits);
          break;
        default:
          Scatter<0>(data, groups, width, cursor.data(), out, out_bits);
      }
      groups += data.length;
    }
    auto gathered = arrow::MakeArray(arrow::ArrayData::Make(
        type_, length, {std::move(bits), std::move(values)},
        any_null ? arrow::kUnknownNullCount : 0));
    return MakeLists(arrow::list(type_), std::move(offsets), std::move(gathered),
                     /*empty_is_null=*/true);
  }

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
