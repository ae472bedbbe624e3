#include "ferry/exec/hash_split.h"

#include <arrow/compute/api_vector.h>

#include "ferry/exec/row_hash.h"

namespace ferry {

Result<std::vector<BatchPtr>> SplitByHash(const BatchPtr& batch,
                                          const std::vector<PhysicalExprPtr>& keys, int n) {
  std::vector<BatchPtr> parts(n);
  arrow::ArrayVector key_arrays;
  for (const auto& key : keys) {
    FERRY_ASSIGN_OR_RAISE(auto array, EvaluateToArray(*key, *batch));
    key_arrays.push_back(std::move(array));
  }
  const int64_t rows = batch->num_rows();
  FERRY_ASSIGN_OR_RAISE(auto hashes, HashRows(key_arrays, rows));
  std::vector<int64_t> offsets(n + 1, 0);
  std::vector<uint32_t> target(rows);
  for (int64_t i = 0; i < rows; ++i) {
    // Multiply-shift maps the hash onto [0, n) without a division.
    target[i] = static_cast<uint32_t>(((hashes[i] >> 32) * static_cast<uint64_t>(n)) >> 32);
    ++offsets[target[i] + 1];
  }
  for (int p = 0; p < n; ++p) offsets[p + 1] += offsets[p];
  for (int p = 0; p < n; ++p) {
    if (offsets[p + 1] - offsets[p] == rows) {  // every row goes to one place
      parts[p] = batch;
      return parts;
    }
  }
  std::vector<int64_t> next(offsets.begin(), offsets.end() - 1);
  FERRY_ASSIGN_OR_RAISE(auto indices_buffer, arrow::AllocateBuffer(rows * sizeof(int64_t)));
  auto* indices = reinterpret_cast<int64_t*>(indices_buffer->mutable_data());
  for (int64_t i = 0; i < rows; ++i) indices[next[target[i]]++] = i;
  auto index_array = std::make_shared<arrow::Int64Array>(rows, std::move(indices_buffer));
  FERRY_ASSIGN_OR_RAISE(auto permuted, arrow::compute::Take(batch, index_array));
  const auto& grouped = permuted.record_batch();
  for (int p = 0; p < n; ++p) {
    const int64_t length = offsets[p + 1] - offsets[p];
    if (length > 0) parts[p] = grouped->Slice(offsets[p], length);
  }
  return parts;
}

}  // namespace ferry
