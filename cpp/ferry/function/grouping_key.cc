#include "ferry/function/grouping_key.h"

#include <arrow/compute/api.h>

namespace ferry {

Result<std::shared_ptr<arrow::Array>> NormalizeGroupingKey(std::shared_ptr<arrow::Array> values) {
  if (!arrow::is_floating(values->type_id())) return values;
  // IEEE addition: -0.0 + 0.0 == +0.0, every other value (NaN included) unchanged.
  FERRY_ASSIGN_OR_RAISE(auto zero, arrow::MakeScalar(values->type(), 0.0));
  FERRY_ASSIGN_OR_RAISE(auto sum, arrow::compute::Add(values, zero));
  return sum.make_array();
}

}  // namespace ferry
