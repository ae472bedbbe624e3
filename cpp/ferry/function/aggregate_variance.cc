// var/var_samp, var_pop, stddev/stddev_samp, stddev_pop. Each group keeps
// (count, mean, m2): Welford's update per row and Chan et al.'s pairwise
// formula to merge partitions. Both stay accurate when the mean is large
// next to the spread, where a sum of squares cancels catastrophically.

#include <cmath>

#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

struct VarianceState {
  std::vector<int64_t> counts;
  std::vector<double> means;
  std::vector<double> m2s;

  void Grow(uint32_t num_groups) {
    aggregate_internal::Grow(&counts, num_groups);
    aggregate_internal::Grow(&means, num_groups);
    aggregate_internal::Grow(&m2s, num_groups);
  }

  /// Folds a partial (count, mean, m2) into group g.
  void Combine(uint32_t g, int64_t count, double mean, double m2) {
    if (count == 0) return;
    const int64_t total = counts[g] + count;
    const double delta = mean - means[g];
    const double weight = static_cast<double>(count) / static_cast<double>(total);
    means[g] += delta * weight;
    m2s[g] += m2 + delta * delta * static_cast<double>(counts[g]) * weight;
    counts[g] = total;
  }
};

template <typename In>
class VarianceAccumulator final : public GroupsAccumulator {
 public:
  VarianceAccumulator(bool sample, bool sqrt) : sample_(sample), sqrt_(sqrt) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t,
                uint32_t total_num_groups) override {
    state_.Grow(total_num_groups);
    const arrow::ArrayData& data = *args[0]->data();
    const In* values = data.GetValues<In>(1);
    int64_t* counts = state_.counts.data();
    double* means = state_.means.data();
    double* m2s = state_.m2s.data();
    ForEachValid(data, [&](int64_t i) {
      const uint32_t g = group_ids[i];
      const double x = static_cast<double>(values[i]);
      const int64_t n = ++counts[g];
      const double delta = x - means[g];
      means[g] += delta / static_cast<double>(n);
      m2s[g] += delta * (x - means[g]);
    });
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    state_.Grow(total_num_groups);
    const int64_t* counts = states[0]->data()->GetValues<int64_t>(1);
    const double* means = states[1]->data()->GetValues<double>(1);
    const double* m2s = states[2]->data()->GetValues<double>(1);
    const bool any_null = states[0]->null_count() > 0 || states[1]->null_count() > 0 ||
                          states[2]->null_count() > 0;
    for (int64_t i = 0; i < num_rows; ++i) {
      if (any_null && (states[0]->IsNull(i) || states[1]->IsNull(i) || states[2]->IsNull(i))) {
        continue;
      }
      state_.Combine(group_ids[i], counts[i], means[i], m2s[i]);
    }
    return Status::OK();
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto counts, MakeFixedWidthArray(arrow::int64(), state_.counts, {}));
    FERRY_ASSIGN_OR_RAISE(auto means, MakeFixedWidthArray(arrow::float64(), state_.means, {}));
    FERRY_ASSIGN_OR_RAISE(auto m2s, MakeFixedWidthArray(arrow::float64(), state_.m2s, {}));
    return ArrayVector{std::move(counts), std::move(means), std::move(m2s)};
  }

  Result<ArrayPtr> Evaluate() override {
    const size_t num_groups = state_.counts.size();
    std::vector<double> results(num_groups);
    std::vector<uint8_t> valid(num_groups);
    const int64_t min_count = sample_ ? 2 : 1;
    for (size_t g = 0; g < num_groups; ++g) {
      const int64_t n = state_.counts[g];
      valid[g] = n >= min_count;
      if (!valid[g]) continue;
      const double variance = state_.m2s[g] / static_cast<double>(sample_ ? n - 1 : n);
      results[g] = sqrt_ ? std::sqrt(variance) : variance;
    }
    return MakeFixedWidthArray(arrow::float64(), results, valid);
  }

 private:
  bool sample_;
  bool sqrt_;
  VarianceState state_;
};

class VarianceFunction final : public UnaryAggregate {
 public:
  VarianceFunction(std::string name, bool sample, bool sqrt)
      : UnaryAggregate(std::move(name)), sample_(sample), sqrt_(sqrt) {}

 protected:
  Result<TypePtr> ReturnTypeFor(const TypePtr& type) const override {
    if (!IsNumeric(type->id())) return Unsupported(name(), *type);
    return arrow::float64();
  }

  Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const override {
    FERRY_RETURN_NOT_OK(ReturnTypeFor(type));
    return arrow::FieldVector{arrow::field("count", arrow::int64(), false),
                              arrow::field("mean", arrow::float64(), false),
                              arrow::field("m2", arrow::float64(), false)};
  }

  Result<AccumulatorPtr> MakeFor(const TypePtr& type) const override {
    auto make = [&]<typename ArrowType>() -> Result<AccumulatorPtr> {
      return std::make_unique<VarianceAccumulator<typename ArrowType::c_type>>(sample_, sqrt_);
    };
    return MakeNumeric(*type, make, Unsupported(name(), *type));
  }

 private:
  bool sample_;
  bool sqrt_;
};

}  // namespace

std::shared_ptr<const AggregateFunction> MakeVarianceFunction(std::string name, bool sample,
                                                              bool sqrt) {
  return std::make_shared<VarianceFunction>(std::move(name), sample, sqrt);
}

}  // namespace aggregate_internal
}  // namespace ferry
