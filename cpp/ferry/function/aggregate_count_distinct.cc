// count(DISTINCT x) in two steps. An Arrow hash grouper over the values
// alone turns any hashable type into dense value ids (its table only grows
// with the number of distinct values, not distinct (group, value) pairs);
// a set of (group, value id) pairs then finds each group's new values.
// The state is each group's distinct values as a list, so partial states
// from partitions merge by feeding their elements through the same steps.

#include <algorithm>
#include <bit>

#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/compute/row/grouper.h>
#include <arrow/datum.h>

#include "ferry/function/aggregate_internal.h"
#include "ferry/function/grouping_key.h"

namespace ferry {
namespace aggregate_internal {
namespace {

namespace cp = arrow::compute;

/// Open-addressing hash set of (group, value id) pairs packed in a uint64.
class PairHashSet {
 public:
  PairHashSet() : slots_(1024, kEmpty) {}

  /// True when the pair was not in the set yet.
  bool Insert(uint32_t group, uint32_t value_id) {
    if ((size_ + 1) * 10 > slots_.size() * 7) Rehash();
    const uint64_t key = (static_cast<uint64_t>(group) << 32) | value_id;
    const size_t mask = slots_.size() - 1;
    for (size_t slot = Hash(key) & mask;; slot = (slot + 1) & mask) {
      if (slots_[slot] == key) return false;
      if (slots_[slot] == kEmpty) {
        slots_[slot] = key;
        ++size_;
        return true;
      }
    }
  }

  template <typename Visit>
  void ForEach(Visit&& visit) const {
    for (uint64_t key : slots_) {
      if (key != kEmpty) visit(static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key));
    }
  }

 private:
  // Value ids stay below UINT32_MAX, so no real pair packs to this.
  static constexpr uint64_t kEmpty = UINT64_MAX;

  static size_t Hash(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return static_cast<size_t>(key);
  }

  void Rehash() {
    std::vector<uint64_t> old(slots_.size() * 2, kEmpty);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (uint64_t key : old) {
      if (key == kEmpty) continue;
      size_t slot = Hash(key) & mask;
      while (slots_[slot] != kEmpty) slot = (slot + 1) & mask;
      slots_[slot] = key;
    }
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

/// The set of (group, value id) pairs seen. While groups x value ids is
/// small it is a bit matrix, which stays cache-resident where a hash table
/// of the same pairs would not (a bit per pair against ~11 bytes); past
/// kMaxDenseBits it moves to a hash set for good.
class PairSet {
 public:
  /// Makes room for groups < num_groups and value ids < num_values.
  void Reserve(uint32_t num_groups, uint32_t num_values) {
    if (!dense_) return;
    const size_t words = (static_cast<size_t>(num_values) + 63) / 64;
    if (words <= stride_ && num_groups <= rows_) return;
    // Grow by doubling so relayouts stay amortized O(1) per pair, unless
    // only the exact size fits the budget.
    size_t stride = words <= stride_ ? stride_ : std::max(words, 2 * stride_);
    size_t rows = num_groups <= rows_ ? rows_ : std::max<size_t>(num_groups, 2 * rows_);
    if (stride * rows * 64 > kMaxDenseBits) {
      stride = std::max(words, stride_);
      rows = std::max<size_t>(num_groups, rows_);
    }
    if (stride * rows * 64 > kMaxDenseBits) {
      ForEach([&](uint32_t g, uint32_t v) { hash_.Insert(g, v); });
      bits_ = {};
      dense_ = false;
      return;
    }
    std::vector<uint64_t> bits(stride * rows, 0);
    for (size_t g = 0; g < rows_; ++g) {
      std::copy_n(bits_.begin() + g * stride_, stride_, bits.begin() + g * stride);
    }
    bits_.swap(bits);
    stride_ = stride;
    rows_ = rows;
  }

  /// True when the pair was not in the set yet.
  bool Insert(uint32_t group, uint32_t value_id) {
    if (!dense_) return hash_.Insert(group, value_id);
    uint64_t& word = bits_[group * stride_ + value_id / 64];
    const uint64_t bit = uint64_t{1} << (value_id % 64);
    const bool fresh = (word & bit) == 0;
    word |= bit;
    return fresh;
  }

  /// Calls visit(group, value_id) for every pair, in no particular order.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    if (!dense_) return hash_.ForEach(visit);
    for (size_t g = 0; g < rows_; ++g) {
      for (size_t w = 0; w < stride_; ++w) {
        for (uint64_t word = bits_[g * stride_ + w]; word != 0; word &= word - 1) {
          visit(static_cast<uint32_t>(g), static_cast<uint32_t>(w * 64 + std::countr_zero(word)));
        }
      }
    }
  }

 private:
  static constexpr size_t kMaxDenseBits = size_t{1} << 27;  // 16 MiB

  bool dense_ = true;
  size_t stride_ = 0;  // words per group row
  size_t rows_ = 0;
  std::vector<uint64_t> bits_;
  PairHashSet hash_;
};

class CountDistinctAccumulator final : public GroupsAccumulator {
 public:
  CountDistinctAccumulator(TypePtr type, std::unique_ptr<cp::Grouper> values)
      : type_(std::move(type)), values_(std::move(values)) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t num_rows,
                uint32_t total_num_groups) override {
    Grow(&counts_, total_num_groups);
    FERRY_ASSIGN_OR_RAISE(auto values, NormalizeGroupingKey(args[0]));
    return Consume(group_ids, values);
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    Grow(&counts_, total_num_groups);
    if (num_rows == 0) return Status::OK();
    // Flatten the lists into one element array with a group id per element;
    // elements under null lists (which may span some) get kNoGroup.
    const auto& lists = static_cast<const arrow::ListArray&>(*states[0]);
    const int32_t first = lists.value_offset(0);
    const int32_t last = lists.value_offset(num_rows);
    std::vector<uint32_t> element_groups(static_cast<size_t>(last - first), kNoGroup);
    for (int64_t r = 0; r < num_rows; ++r) {
      if (lists.IsNull(r)) continue;
      for (int32_t e = lists.value_offset(r); e < lists.value_offset(r + 1); ++e) {
        element_groups[e - first] = group_ids[r];
      }
    }
    return Consume(element_groups.data(), lists.values()->Slice(first, last - first));
  }

  Result<ArrayVector> State() override {
    // counts_ holds each group's number of pairs, so the pairs can be laid
    // out by group in one pass, then their values gathered in one Take.
    std::vector<int32_t> offsets(counts_.size() + 1, 0);
    for (size_t g = 0; g < counts_.size(); ++g) {
      offsets[g + 1] = offsets[g] + static_cast<int32_t>(counts_[g]);
    }
    std::vector<int64_t> value_ids(static_cast<size_t>(offsets.back()));
    std::vector<int32_t> cursor(offsets.begin(), offsets.end() - 1);
    pairs_.ForEach([&](uint32_t group, uint32_t value_id) {
      value_ids[cursor[group]++] = value_id;
    });
    FERRY_ASSIGN_OR_RAISE(cp::ExecBatch uniques, values_->GetUniques());
    const auto num_pairs = static_cast<int64_t>(value_ids.size());
    auto indices = std::make_shared<arrow::Int64Array>(
        num_pairs, arrow::Buffer::FromVector(std::move(value_ids)));
    FERRY_ASSIGN_OR_RAISE(arrow::Datum values, cp::Take(uniques.values[0], indices));
    FERRY_ASSIGN_OR_RAISE(auto lists, MakeLists(arrow::list(type_), std::move(offsets),
                                                values.make_array(), /*empty_is_null=*/false));
    return ArrayVector{std::move(lists)};
  }

  Result<ArrayPtr> Evaluate() override {
    return MakeFixedWidthArray(arrow::int64(), counts_, {});
  }

 private:
  uint32_t NumGroups() const { return static_cast<uint32_t>(counts_.size()); }

  // Counts the non-null values of `values` new to their group (group_ids
  // holds one id per value, kNoGroup to skip it).
  Status Consume(const uint32_t* group_ids, const ArrayPtr& values) {
    if (values->length() == 0) return Status::OK();
    cp::ExecBatch batch({arrow::Datum(values)}, values->length());
    FERRY_ASSIGN_OR_RAISE(arrow::Datum ids, values_->Consume(cp::ExecSpan(batch)));
    const uint32_t* value_ids = ids.array()->GetValues<uint32_t>(1);
    pairs_.Reserve(NumGroups(), values_->num_groups());
    int64_t* counts = counts_.data();
    ForEachValid(*values->data(), [&](int64_t i) {
      const uint32_t g = group_ids[i];
      if (g != kNoGroup && pairs_.Insert(g, value_ids[i])) ++counts[g];
    });
    return Status::OK();
  }

  TypePtr type_;
  std::unique_ptr<cp::Grouper> values_;
  PairSet pairs_;
  std::vector<int64_t> counts_;
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
  FERRY_ASSIGN_OR_RAISE(auto values, cp::Grouper::Make({type}));
  return std::make_unique<CountDistinctAccumulator>(type, std::move(values));
}

}  // namespace aggregate_internal
}  // namespace ferry
