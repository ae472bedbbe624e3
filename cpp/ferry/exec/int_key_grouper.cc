#include "ferry/exec/int_key_grouper.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <arrow/buffer.h>
#include <arrow/util/bit_util.h>

namespace ferry {
namespace {

constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();
// Rows hashed (and their slots prefetched) together before any is
// compared: enough memory round trips in flight to hide their latency,
// few enough that the first slot is still in cache when compared.
constexpr int64_t kBlock = 128;
// Tables of more slots than this (1 MB) are prefetched; one that fits in L2
// gains nothing from it.
constexpr uint64_t kPrefetchSlots = uint64_t{1} << 16;
// Load factor at most 1/2 keeps linear probe chains short (3/4 made
// random probes into 1.5M keys twice as slow). Tables that stay within
// L2 (under kSparseSlots) are kept at most 1/8 full: a probe that misses
// (most of a join's probes into a small filtered build side) then mostly
// meets an empty slot first, and its branch is predictable: 6M probes
// into 11K keys, 94% missing, 57 -> 26 ms; 10M into 1,000 keys 37 -> 25.
constexpr uint64_t kMinCapacity = 1024;
constexpr uint64_t kSparseSlots = uint64_t{1} << 17;
inline bool Overloaded(uint64_t groups, uint64_t capacity) {
  return capacity < kSparseSlots ? groups * 8 > capacity : groups * 2 > capacity;
}
// Keys often come clustered (files sorted or written in key order, as
// TPC-H's lineitem is by order key: four rows per order on average): a
// row whose key equals the previous row's takes its id without probing.
// The compare is all it costs on unclustered keys.

inline uint64_t Hash(int64_t v) {
  uint64_t x = static_cast<uint64_t>(v);
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  return x ^ (x >> 33);
}

template <typename T>
bool AllNarrow(const T* values, int64_t n) {
  if constexpr (sizeof(T) <= 4) {
    return true;
  } else {
    // Min and max rather than an early exit: the loop vectorizes.
    T lo = std::numeric_limits<int32_t>::max(), hi = std::numeric_limits<int32_t>::min();
    for (int64_t i = 0; i < n; ++i) {
      lo = std::min(lo, values[i]);
      hi = std::max(hi, values[i]);
    }
    return lo >= std::numeric_limits<int32_t>::min() && hi <= std::numeric_limits<int32_t>::max();
  }
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

std::unique_ptr<IntKeyGrouper> IntKeyGrouper::Make(const std::shared_ptr<arrow::DataType>& type,
                                                   int64_t expected_groups) {
  const int width = WidthOf(*type);
  if (width == 0) return nullptr;
  std::unique_ptr<IntKeyGrouper> grouper(new IntKeyGrouper(type, width));
  const int64_t expected = std::max<int64_t>(expected_groups, 0);
  grouper->Reserve(static_cast<uint64_t>(expected));
  grouper->values_.reserve(expected);
  return grouper;
}

void IntKeyGrouper::Reserve(uint64_t groups) {
  uint64_t capacity = memory_ ? mask_ + 1 : kMinCapacity;
  while (Overloaded(groups, capacity)) capacity *= 2;
  if (!memory_ || capacity != mask_ + 1) Rehash(capacity, narrow_);
}

template <typename From, typename To>
void IntKeyGrouper::MoveSlots(const void* from, uint64_t from_capacity, void* to, uint64_t mask) {
  const From* old = static_cast<const From*>(from);
  To* slots = static_cast<To*>(to);
  for (uint64_t s = 0; s < from_capacity; ++s) {
    if (old[s].id == kEmpty) continue;
    uint64_t at = Hash(old[s].key) & mask;
    while (slots[at].id != kEmpty) at = (at + 1) & mask;
    slots[at] = To{static_cast<decltype(To::key)>(old[s].key), old[s].id};
  }
}

void IntKeyGrouper::Rehash(uint64_t capacity, bool narrow) {
  const size_t slot_bytes = narrow ? sizeof(NarrowSlot) : sizeof(WideSlot);
  auto memory = HashTableMemory::Acquire(capacity * slot_bytes);
  // All bits set: every id kEmpty.
  std::memset(memory.get(), 0xff, capacity * slot_bytes);
  if (memory_) {
    const uint64_t mask = capacity - 1;
    if (narrow_ && narrow) {
      MoveSlots<NarrowSlot, NarrowSlot>(memory_.get(), mask_ + 1, memory.get(), mask);
    } else if (narrow_) {
      MoveSlots<NarrowSlot, WideSlot>(memory_.get(), mask_ + 1, memory.get(), mask);
    } else {
      MoveSlots<WideSlot, WideSlot>(memory_.get(), mask_ + 1, memory.get(), mask);
    }
  }
  memory_ = std::move(memory);
  mask_ = capacity - 1;
  narrow_ = narrow;
}

template <typename T, typename Slot>
void IntKeyGrouper::ConsumeBlock(const arrow::Array& keys, int64_t begin, int64_t m, uint32_t* ids,
                                 Run* run) {
  const T* values = keys.data()->GetValues<T>(1);
  const bool nullable = keys.null_count() > 0;
  Slot* slots = static_cast<Slot*>(memory_.get());
  const uint64_t mask = mask_;
  uint64_t at[kBlock];
  for (int64_t j = 0; j < m; ++j) at[j] = Hash(static_cast<int64_t>(values[begin + j])) & mask;
  if (mask >= kPrefetchSlots) {
    for (int64_t j = 0; j < m; ++j) __builtin_prefetch(&slots[at[j]], 1);
  }
  for (int64_t j = 0; j < m; ++j) {
    const int64_t i = begin + j;
    if (nullable && keys.IsNull(i)) {
      if (null_group_ < 0) {
        null_group_ = static_cast<int64_t>(values_.size());
        values_.push_back(0);
      }
      ids[i] = static_cast<uint32_t>(null_group_);
      run->id = kEmpty;
      continue;
    }
    const int64_t value = static_cast<int64_t>(values[i]);
    if (value == run->value && run->id != kEmpty) {
      ids[i] = run->id;
      continue;
    }
    uint64_t a = at[j];
    while (true) {
      Slot& slot = slots[a];
      if (slot.id == kEmpty) {
        slot = Slot{static_cast<decltype(Slot::key)>(value), static_cast<uint32_t>(values_.size())};
        values_.push_back(value);
        break;
      }
      if (slot.key == value) break;
      a = (a + 1) & mask;
    }
    ids[i] = slots[a].id;
    run->value = value;
    run->id = ids[i];
  }
}

template <typename T>
void IntKeyGrouper::ConsumeTyped(const arrow::Array& keys, uint32_t* ids) {
  const int64_t n = keys.length();
  const T* values = keys.data()->GetValues<T>(1);
  Run run;
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t m = std::min(kBlock, n - begin);
    // A key past 32 bits widens the slots before the block is hashed, and
    // room for the whole block is made first: nothing moves the slots of
    // a block once its positions are computed.
    if (narrow_ && !AllNarrow(values + begin, m)) Rehash(mask_ + 1, /*narrow=*/false);
    Reserve(values_.size() + m);
    if (narrow_) {
      ConsumeBlock<T, NarrowSlot>(keys, begin, m, ids, &run);
    } else {
      ConsumeBlock<T, WideSlot>(keys, begin, m, ids, &run);
    }
  }
}

void IntKeyGrouper::Consume(const arrow::Array& keys, uint32_t* ids) {
  // Four-byte keys are read as their signed bits: int32 and uint32 alike
  // round-trip through the slot, and always fit a narrow one.
  if (width_ == 4) {
    ConsumeTyped<int32_t>(keys, ids);
  } else {
    ConsumeTyped<int64_t>(keys, ids);
  }
}

template <typename T, typename Slot>
void IntKeyGrouper::LookupTyped(const arrow::Array& keys, int32_t* ids, bool null_matches) const {
  const int64_t n = keys.length();
  const T* values = keys.data()->GetValues<T>(1);
  const bool nullable = keys.null_count() > 0;
  const Slot* slots = static_cast<const Slot*>(memory_.get());
  const uint64_t mask = mask_;
  uint64_t at[kBlock];
  int64_t run_value = 0;
  bool in_run = false;  // run_value is the previous row's key, ids[i - 1] its id
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t m = std::min(kBlock, n - begin);
    for (int64_t j = 0; j < m; ++j) at[j] = Hash(static_cast<int64_t>(values[begin + j])) & mask;
    if (mask >= kPrefetchSlots) {
      for (int64_t j = 0; j < m; ++j) __builtin_prefetch(&slots[at[j]]);
    }
    for (int64_t j = 0; j < m; ++j) {
      const int64_t i = begin + j;
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
      int32_t found = -1;
      // A key a narrow slot cannot hold was never consumed.
      if (static_cast<decltype(Slot::key)>(value) == value) {
        uint64_t a = at[j];
        while (slots[a].id != kEmpty) {
          if (slots[a].key == value) {
            found = static_cast<int32_t>(slots[a].id);
            break;
          }
          a = (a + 1) & mask;
        }
      }
      ids[i] = found;
    }
  }
}

void IntKeyGrouper::Lookup(const arrow::Array& keys, int32_t* ids, bool null_matches) const {
  if (width_ == 4) {
    LookupTyped<int32_t, NarrowSlot>(keys, ids, null_matches);
  } else if (narrow_) {
    LookupTyped<int64_t, NarrowSlot>(keys, ids, null_matches);
  } else {
    LookupTyped<int64_t, WideSlot>(keys, ids, null_matches);
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
