#include "ferry/exec/window_aggregate.h"

#include "ferry/function/registry.h"

#include <deque>

#include <arrow/array/builder_primitive.h>
#include <arrow/compute/api.h>
#include <arrow/visit_type_inline.h>

namespace ferry {
namespace {

using Frames = std::pair<const std::vector<int64_t>*, const std::vector<int64_t>*>;

// Prefix sums make sum/count/avg O(1) per row whatever the frame.
template <typename Acc, typename ArrowType>
void Prefix(const arrow::Array& values, std::vector<Acc>* sums, std::vector<int64_t>* counts) {
  using CType = typename ArrowType::c_type;
  const auto& array = static_cast<const arrow::NumericArray<ArrowType>&>(values);
  const CType* raw = array.raw_values();
  const int64_t n = array.length();
  sums->assign(n + 1, Acc{});
  counts->assign(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    bool valid = array.IsValid(i);
    (*sums)[i + 1] = (*sums)[i] + (valid ? static_cast<Acc>(raw[i]) : Acc{});
    (*counts)[i + 1] = (*counts)[i] + (valid ? 1 : 0);
  }
}

template <typename Acc, typename Builder>
Result<std::shared_ptr<arrow::Array>> FrameSums(const std::vector<Acc>& sums,
                                                const std::vector<int64_t>& counts, Frames frames,
                                                bool average) {
  const auto& starts = *frames.first;
  const auto& ends = *frames.second;
  Builder builder;
  FERRY_RETURN_NOT_OK(builder.Resize(static_cast<int64_t>(starts.size())));
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t count = counts[ends[i]] - counts[starts[i]];
    if (count == 0) {
      builder.UnsafeAppendNull();
      continue;
    }
    // Wrapping subtraction for integers matches a wrapping running sum.
    Acc sum = sums[ends[i]] - sums[starts[i]];
    if constexpr (std::is_same_v<Builder, arrow::DoubleBuilder>) {
      builder.UnsafeAppend(average ? static_cast<double>(sum) / count : static_cast<double>(sum));
    } else {
      builder.UnsafeAppend(sum);
    }
  }
  return builder.Finish();
}

struct SumVisitor {
  const arrow::Array& values;
  Frames frames;
  bool average;
  std::shared_ptr<arrow::DataType> out_type;
  std::shared_ptr<arrow::Array> out;

  template <typename T>
  Status Visit(const T& type) {
    using ArrowType = std::decay_t<decltype(type)>;
    if constexpr (arrow::is_integer_type<ArrowType>::value || arrow::is_floating_type<ArrowType>::value) {
      if (average || arrow::is_floating_type<ArrowType>::value) {
        std::vector<double> sums;
        std::vector<int64_t> counts;
        Prefix<double, ArrowType>(values, &sums, &counts);
        FERRY_ASSIGN_OR_RAISE(out, (FrameSums<double, arrow::DoubleBuilder>(sums, counts, frames, average)));
      } else if constexpr (arrow::is_unsigned_integer_type<ArrowType>::value) {
        std::vector<uint64_t> sums;
        std::vector<int64_t> counts;
        Prefix<uint64_t, ArrowType>(values, &sums, &counts);
        FERRY_ASSIGN_OR_RAISE(out, (FrameSums<uint64_t, arrow::UInt64Builder>(sums, counts, frames, false)));
      } else {
        std::vector<int64_t> sums;
        std::vector<int64_t> counts;
        Prefix<int64_t, ArrowType>(values, &sums, &counts);
        FERRY_ASSIGN_OR_RAISE(out, (FrameSums<int64_t, arrow::Int64Builder>(sums, counts, frames, false)));
      }
      return Status::OK();
    }
    return Status::NotImplemented("no fast path");
  }
};

Result<std::shared_ptr<arrow::Array>> FrameCounts(const arrow::Array* values, Frames frames) {
  const auto& starts = *frames.first;
  const auto& ends = *frames.second;
  std::vector<int64_t> valid(starts.size() + 1, 0);
  for (size_t i = 0; i < starts.size(); ++i) {
    valid[i + 1] = valid[i] + ((values == nullptr || values->IsValid(i)) ? 1 : 0);
  }
  arrow::Int64Builder builder;
  FERRY_RETURN_NOT_OK(builder.Resize(static_cast<int64_t>(starts.size())));
  for (size_t i = 0; i < starts.size(); ++i) builder.UnsafeAppend(valid[ends[i]] - valid[starts[i]]);
  return builder.Finish();
}

// Frames only ever move forward, so a monotonic deque of candidate indices
// gives every row's min (or max) in amortized O(1).
template <typename ArrowType>
Result<std::shared_ptr<arrow::Array>> FrameExtreme(const arrow::Array& values, Frames frames, bool is_max) {
  const auto& array = static_cast<const arrow::NumericArray<ArrowType>&>(values);
  const auto& starts = *frames.first;
  const auto& ends = *frames.second;
  std::deque<int64_t> window;
  int64_t pushed = 0;
  auto better = [&](int64_t a, int64_t b) {
    return is_max ? array.Value(a) >= array.Value(b) : array.Value(a) <= array.Value(b);
  };
  std::vector<int64_t> index(starts.size(), -1);
  for (size_t i = 0; i < starts.size(); ++i) {
    if (starts[i] >= ends[i]) continue;
    if (pushed < starts[i]) {
      pushed = starts[i];
      window.clear();
    }
    for (; pushed < ends[i]; ++pushed) {
      if (array.IsNull(pushed)) continue;
      while (!window.empty() && better(pushed, window.back())) window.pop_back();
      window.push_back(pushed);
    }
    while (!window.empty() && window.front() < starts[i]) window.pop_front();
    if (!window.empty()) index[i] = window.front();
  }
  arrow::Int64Builder indices;
  FERRY_RETURN_NOT_OK(indices.Resize(static_cast<int64_t>(index.size())));
  for (int64_t at : index) {
    if (at < 0) {
      indices.UnsafeAppendNull();
    } else {
      indices.UnsafeAppend(at);
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto taken_indices, indices.Finish());
  FERRY_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(values, *taken_indices));
  return taken;
}

struct ExtremeVisitor {
  const arrow::Array& values;
  Frames frames;
  bool is_max;
  std::shared_ptr<arrow::Array> out;

  template <typename T>
  Status Visit(const T&) {
    using ArrowType = T;
    if constexpr (arrow::is_integer_type<ArrowType>::value || arrow::is_floating_type<ArrowType>::value ||
                  arrow::is_temporal_type<ArrowType>::value) {
      if constexpr (arrow::has_c_type<ArrowType>::value && !arrow::is_interval_type<ArrowType>::value) {
        FERRY_ASSIGN_OR_RAISE(out, FrameExtreme<ArrowType>(values, frames, is_max));
        return Status::OK();
      }
    }
    return Status::NotImplemented("no fast path");
  }
};

// Any aggregate: one accumulator group per output row, fed that row's
// frame. Costs the sum of frame sizes, processed in bounded chunks.
Result<std::shared_ptr<arrow::Array>> GenericFrames(const AggregateFunction& func,
                                                    const TypeVector& arg_types,
                                                    const ArrayVector& args, int64_t num_rows,
                                                    Frames frames) {
  constexpr int64_t kChunkEntries = 1 << 20;
  const auto& starts = *frames.first;
  const auto& ends = *frames.second;
  ArrayVector pieces;
  int64_t row = 0;
  while (row < num_rows) {
    FERRY_ASSIGN_OR_RAISE(auto acc, func.MakeAccumulator(arg_types, false));
    arrow::Int64Builder take;
    std::vector<uint32_t> groups;
    const int64_t first = row;
    while (row < num_rows && (groups.empty() || static_cast<int64_t>(groups.size()) < kChunkEntries)) {
      for (int64_t j = starts[row]; j < ends[row]; ++j) {
        FERRY_RETURN_NOT_OK(take.Append(j));
        groups.push_back(static_cast<uint32_t>(row - first));
      }
      ++row;
    }
    const auto chunk_groups = static_cast<uint32_t>(row - first);
    FERRY_ASSIGN_OR_RAISE(auto indices, take.Finish());
    ArrayVector taken;
    for (const auto& arg : args) {
      FERRY_ASSIGN_OR_RAISE(auto t, arrow::compute::Take(*arg, *indices));
      taken.push_back(std::move(t));
    }
    FERRY_RETURN_NOT_OK(acc->Update(taken, groups.data(), indices->length(), chunk_groups));
    FERRY_ASSIGN_OR_RAISE(auto piece, acc->Evaluate());
    pieces.push_back(std::move(piece));
  }
  if (pieces.size() == 1) return pieces[0];
  FERRY_ASSIGN_OR_RAISE(auto type, func.ReturnType(arg_types));
  if (pieces.empty()) return arrow::MakeEmptyArray(type);
  return arrow::Concatenate(pieces);
}

}  // namespace

Result<std::shared_ptr<arrow::Array>> AggregateOverFrames(const AggregateFunction& func,
                                                          const TypeVector& arg_types,
                                                          const ArrayVector& args, int64_t num_rows,
                                                          const std::vector<int64_t>& frame_start,
                                                          const std::vector<int64_t>& frame_end) {
  Frames frames{&frame_start, &frame_end};
  // Fast paths are for the built-ins only, not for a UDAF sharing a name.
  auto builtin = BuiltinFunctions().GetAggregate(func.name());
  const std::string name = builtin.ok() && builtin->get() == &func ? func.name() : "";
  if (name == "count" && args.size() <= 1) {
    return FrameCounts(args.empty() ? nullptr : args[0].get(), frames);
  }
  if (args.size() == 1) {
    const auto& values = *args[0];
    if (name == "sum" || name == "avg" || name == "mean") {
      SumVisitor visitor{values, frames, name != "sum", nullptr, nullptr};
      if (arrow::VisitTypeInline(*values.type(), &visitor).ok()) return visitor.out;
    }
    if (name == "min" || name == "max") {
      ExtremeVisitor visitor{values, frames, name == "max", nullptr};
      if (arrow::VisitTypeInline(*values.type(), &visitor).ok()) return visitor.out;
    }
  }
  return GenericFrames(func, arg_types, args, num_rows, frames);
}

}  // namespace ferry
