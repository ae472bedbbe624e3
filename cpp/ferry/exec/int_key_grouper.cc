#include "ferry/exec/int_key_grouper.h"

#include <cstring>
#include <limits>

#include <arrow/buffer.h>
#include <arrow/util/bit_util.h>

namespace ferry {
namespace {

constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();
// Rows ahead whose slot is prefetched: a table larger than the caches
// costs a memory round trip per probe, which this many in flight hide.
// A table that fits in L2 needs none, and hashing twice would only cost
// (10M rows into 1,000 groups: 30% slower with prefetching).
constexpr int64_t kPrefetchDistance = 16;
constexpr size_t kPrefetchSlots = size_t{1} << 16;
// Keys often come clustered (files sorted or written in key order, as
// TPC-H's lineitem is by order key: four rows per order on average): a
// row whose key equals the previous row's takes its id without hashing or
// probing. The compare is all it costs on unclustered keys.

inline uint64_t Hash(int64_t v) {
  uint64_t x = static_cast<uint64_t>(v);
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  return x ^ (x >> 33);
}

int WidthOf(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT32:
    case arrow::Type::UINT32:
    case arrow::Type::DATE32:
    case arrow::Type::TIME32:
      return 4;
    case arrow::Type::INT64:
    case arrow::Type::UINT64:
    case arrow::Type::DATE64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      return 8;
    default:
      return 0;
  }
}

}  // namespace

std::unique_ptr<IntKeyGrouper> IntKeyGrouper::Make(const std::shared_ptr<arrow::DataType>& type) {
  const int width = WidthOf(*type);
  if (width == 0) return nullptr;
  std::unique_ptr<IntKeyGrouper> grouper(new IntKeyGrouper(type, width));
  grouper->slots_.assign(1024, Slot{0, kEmpty});
  grouper->mask_ = 1023;
  return grouper;
}

void IntKeyGrouper::Grow() {
  std::vector<Slot> slots(slots_.size() * 2, Slot{0, kEmpty});
  const uint64_t mask = slots.size() - 1;
  for (const auto& slot : slots_) {
    if (slot.id == kEmpty) continue;
    uint64_t at = Hash(slot.key) & mask;
    while (slots[at].id != kEmpty) at = (at + 1) & mask;
    slots[at] = slot;
  }
  slots_.swap(slots);
  mask_ = mask;
}

uint32_t IntKeyGrouper::Insert(int64_t value, uint64_t at) {
  const uint32_t id = static_cast<uint32_t>(values_.size());
  slots_[at] = Slot{value, id};
  values_.push_back(value);
  // Load factor at most 1/2 keeps probe chains short.
  if (values_.size() * 2 > slots_.size()) Grow();
  return id;
}

template <typename T>
void IntKeyGrouper::ConsumeTyped(const arrow::Array& keys, uint32_t* ids) {
  const int64_t n = keys.length();
  const T* values = keys.data()->GetValues<T>(1);
  const bool nullable = keys.null_count() > 0;
  const int64_t prefetch_end = slots_.size() > kPrefetchSlots ? n - kPrefetchDistance : 0;
  // The previous row's key and id (kEmpty after a NULL or at the start).
  int64_t run_value = 0;
  uint32_t run_id = kEmpty;
  for (int64_t i = 0; i < n; ++i) {
    if (i < prefetch_end) {
      __builtin_prefetch(&slots_[Hash(static_cast<int64_t>(values[i + kPrefetchDistance])) & mask_]);
    }
    if (nullable && keys.IsNull(i)) {
      if (null_group_ < 0) {
        null_group_ = static_cast<int64_t>(values_.size());
        values_.push_back(0);
      }
      ids[i] = static_cast<uint32_t>(null_group_);
      run_id = kEmpty;
      continue;
    }
    const int64_t value = static_cast<int64_t>(values[i]);
    if (value == run_value && run_id != kEmpty) {
      ids[i] = run_id;
      continue;
    }
    uint64_t at = Hash(value) & mask_;
    while (true) {
      const Slot& slot = slots_[at];
      if (slot.id == kEmpty) {
        ids[i] = Insert(value, at);
        break;
      }
      if (slot.key == value) {
        ids[i] = slot.id;
        break;
      }
      at = (at + 1) & mask_;
    }
    run_value = value;
    run_id = ids[i];
  }
}

void IntKeyGrouper::Consume(const arrow::Array& keys, uint32_t* ids) {
  // Four-byte keys are read as their unsigned bits: int32 and uint32 alike
  // round-trip through the 64-bit slot.
  if (width_ == 4) {
    ConsumeTyped<uint32_t>(keys, ids);
  } else {
    ConsumeTyped<int64_t>(keys, ids);
  }
}

template <typename T>
void IntKeyGrouper::LookupTyped(const arrow::Array& keys, int32_t* ids, bool null_matches) const {
  const int64_t n = keys.length();
  const T* values = keys.data()->GetValues<T>(1);
  const bool nullable = keys.null_count() > 0;
  const int64_t prefetch_end = slots_.size() > kPrefetchSlots ? n - kPrefetchDistance : 0;
  int64_t run_value = 0;
  bool in_run = false;  // run_value is the previous row's key, ids[i - 1] its id
  for (int64_t i = 0; i < n; ++i) {
    if (i < prefetch_end) {
      __builtin_prefetch(&slots_[Hash(static_cast<int64_t>(values[i + kPrefetchDistance])) & mask_]);
    }
    if (nullable && keys.IsNull(i)) {
      ids[i] = null_matches && null_group_ >= 0 ? static_cast<int32_t>(null_group_) : -1;
      in_run = false;
      continue;
    }
    const int64_t value = static_cast<int64_t>(values[i]);
    if (in_run && value == run_value) {
      ids[i] = ids[i - 1];
      continue;
    }
    run_value = value;
    in_run = true;
    uint64_t at = Hash(value) & mask_;
    int32_t found = -1;
    while (slots_[at].id != kEmpty) {
      if (slots_[at].key == value) {
        found = static_cast<int32_t>(slots_[at].id);
        break;
      }
      at = (at + 1) & mask_;
    }
    ids[i] = found;
  }
}

void IntKeyGrouper::Lookup(const arrow::Array& keys, int32_t* ids, bool null_matches) const {
  if (width_ == 4) {
    LookupTyped<uint32_t>(keys, ids, null_matches);
  } else {
    LookupTyped<int64_t>(keys, ids, null_matches);
  }
}

Result<std::shared_ptr<arrow::Array>> IntKeyGrouper::Uniques() const {
  const int64_t n = static_cast<int64_t>(values_.size());
  FERRY_ASSIGN_OR_RAISE(auto data, arrow::AllocateBuffer(n * width_));
  auto* out = data->mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    if (width_ == 4) {
      const uint32_t v = static_cast<uint32_t>(values_[i]);
      std::memcpy(out + 4 * i, &v, 4);
    } else {
      std::memcpy(out + 8 * i, &values_[i], 8);
    }
  }
  std::shared_ptr<arrow::Buffer> validity;
  int64_t nulls = 0;
  if (null_group_ >= 0) {
    FERRY_ASSIGN_OR_RAISE(validity, arrow::AllocateBitmap(n));
    std::memset(validity->mutable_data(), 0xff, validity->size());
    arrow::bit_util::ClearBit(validity->mutable_data(), null_group_);
    nulls = 1;
  }
  return arrow::MakeArray(arrow::ArrayData::Make(type_, n, {std::move(validity), std::move(data)}, nulls));
}

}  // namespace ferry
