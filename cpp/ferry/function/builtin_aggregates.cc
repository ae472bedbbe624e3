// The built-in aggregate functions, each a vectorized two-phase group
// accumulator defined in its own aggregate_*.cc file.

#include "ferry/function/aggregate_internal.h"
#include "ferry/function/registry.h"

namespace ferry {

std::vector<std::shared_ptr<const AggregateFunction>> BuiltinAggregateFunctions() {
  using namespace aggregate_internal;  // NOLINT(build/namespaces)
  return {
      MakeCountFunction(),
      MakeSumFunction(),
      MakeAvgFunction("avg"),
      MakeAvgFunction("mean"),
      MakeMinMaxFunction(/*is_max=*/false),
      MakeMinMaxFunction(/*is_max=*/true),
      MakeVarianceFunction("var", /*sample=*/true, /*sqrt=*/false),
      MakeVarianceFunction("var_samp", /*sample=*/true, /*sqrt=*/false),
      MakeVarianceFunction("var_pop", /*sample=*/false, /*sqrt=*/false),
      MakeVarianceFunction("stddev", /*sample=*/true, /*sqrt=*/true),
      MakeVarianceFunction("stddev_samp", /*sample=*/true, /*sqrt=*/true),
      MakeVarianceFunction("stddev_pop", /*sample=*/false, /*sqrt=*/true),
      MakeFirstLastFunction(/*last=*/false),
      MakeFirstLastFunction(/*last=*/true),
      MakeArrayAggFunction(),
  };
}

}  // namespace ferry
