#include "ferry/exec/join_hash_table.h"

#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/compute/exec.h>

#include "ferry/function/grouping_key.h"

namespace ferry {

namespace cp = arrow::compute;

std::unique_ptr<std::vector<bool>> NullKeyRows(const arrow::ArrayVector& keys, int64_t num_rows) {
  std::unique_ptr<std::vector<bool>> nulls;
  for (const auto& key : keys) {
    if (key->null_count() == 0) continue;
    if (!nulls) nulls = std::make_unique<std::vector<bool>>(num_rows, false);
    for (int64_t i = 0; i < num_rows; ++i) {
      if (key->IsNull(i)) (*nulls)[i] = true;
    }
  }
  return nulls;
}

namespace {

// Dictionary keys are matched by value: dictionaries of the two sides (or
// of two batches) need not agree, so keys are decoded first.
Result<std::shared_ptr<arrow::Array>> Decoded(std::shared_ptr<arrow::Array> key) {
  if (key->type_id() != arrow::Type::DICTIONARY) return key;
  const auto& type = static_cast<const arrow::DictionaryType&>(*key->type());
  FERRY_ASSIGN_OR_RAISE(auto decoded, cp::Cast(key, type.value_type()));
  return decoded.make_array();
}

Result<arrow::ArrayVector> NormalizedKeys(const arrow::ArrayVector& keys) {
  arrow::ArrayVector out;
  for (const auto& key : keys) {
    FERRY_ASSIGN_OR_RAISE(auto normalized, NormalizeGroupingKey(key));
    out.push_back(std::move(normalized));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<JoinHashTable>> JoinHashTable::Make(
    std::shared_ptr<arrow::Schema> schema, const std::vector<std::shared_ptr<arrow::RecordBatch>>& rows,
    std::vector<int> keys) {
  std::unique_ptr<JoinHashTable> table(new JoinHashTable());
  if (rows.empty()) {
    FERRY_ASSIGN_OR_RAISE(table->rows_, arrow::RecordBatch::MakeEmpty(schema));
  } else if (rows.size() == 1) {
    table->rows_ = rows.front();
  } else {
    FERRY_ASSIGN_OR_RAISE(table->rows_, arrow::ConcatenateRecordBatches(rows));
  }
  table->keys_ = std::move(keys);
  const int64_t n = table->rows_->num_rows();
  if (table->keys_.empty()) {
    // No keys (a cross join): every probe row meets every build row.
    table->cross_ = true;
    table->group_offsets_ = {0, n};
    table->row_by_group_.resize(n);
    for (int64_t i = 0; i < n; ++i) table->row_by_group_[i] = i;
    return table;
  }
  arrow::ArrayVector key_arrays;
  std::vector<arrow::TypeHolder> types;
  for (int k : table->keys_) {
    FERRY_ASSIGN_OR_RAISE(auto key, Decoded(table->rows_->column(k)));
    table->key_types_.push_back(key->type());
    types.emplace_back(key->type());
    key_arrays.push_back(std::move(key));
  }
  const uint32_t* ids;
  uint32_t groups;
  std::vector<uint32_t> int_ids;
  arrow::Datum ids_datum;
  if (key_arrays.size() == 1) table->int_grouper_ = IntKeyGrouper::Make(key_arrays.front()->type(), n);
  if (table->int_grouper_) {
    int_ids.resize(n);
    table->int_grouper_->Consume(*key_arrays.front(), int_ids.data());
    ids = int_ids.data();
    groups = table->int_grouper_->num_groups();
  } else {
    FERRY_ASSIGN_OR_RAISE(table->grouper_, cp::Grouper::Make(types));
    FERRY_ASSIGN_OR_RAISE(auto normalized, NormalizedKeys(key_arrays));
    std::vector<arrow::Datum> values(normalized.begin(), normalized.end());
    cp::ExecBatch batch(std::move(values), n);
    FERRY_ASSIGN_OR_RAISE(ids_datum, table->grouper_->Consume(cp::ExecSpan(batch)));
    ids = ids_datum.array()->GetValues<uint32_t>(1);
    groups = table->grouper_->num_groups();
  }
  // Rows with a NULL key join nothing: they stay out of every group.
  auto null_rows = NullKeyRows(key_arrays, n);
  // Unique keys: one row per group, found without offsets. The grouper
  // does not promise to number groups in row order, so the mapping is
  // kept unless it is the identity.
  if (!null_rows && groups == n) {
    table->unique_keys_ = true;
    bool identity = true;
    for (int64_t i = 0; i < n && identity; ++i) identity = ids[i] == static_cast<uint32_t>(i);
    if (!identity) {
      table->row_by_group_.resize(n);
      for (int64_t i = 0; i < n; ++i) table->row_by_group_[ids[i]] = i;
    }
    return table;
  }
  auto& offsets = table->group_offsets_;
  offsets.assign(static_cast<size_t>(groups) + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    if (!null_rows || !(*null_rows)[i]) ++offsets[ids[i] + 1];
  }
  for (uint32_t g = 0; g < groups; ++g) offsets[g + 1] += offsets[g];
  std::vector<int64_t> next(offsets.begin(), offsets.end() - 1);
  table->row_by_group_.resize(offsets.back());
  for (int64_t i = 0; i < n; ++i) {
    if (!null_rows || !(*null_rows)[i]) table->row_by_group_[next[ids[i]]++] = i;
  }
  return table;
}

Status JoinHashTable::Lookup(const arrow::ArrayVector& probe_keys, int64_t num_rows,
                             std::vector<int32_t>* groups) {
  if (cross_) {
    groups->assign(num_rows, rows_->num_rows() > 0 ? 0 : -1);
    return Status::OK();
  }
  groups->assign(num_rows, -1);
  if (num_rows == 0) return Status::OK();
  if (int_grouper_) {
    FERRY_ASSIGN_OR_RAISE(auto key, Decoded(probe_keys.front()));
    if (!key->type()->Equals(*key_types_.front())) {
      FERRY_ASSIGN_OR_RAISE(auto cast, cp::Cast(key, key_types_.front()));
      key = cast.make_array();
    }
    // NULL probe keys match nothing; the NULL build group holds no rows.
    int_grouper_->Lookup(*key, groups->data(), /*null_matches=*/false);
    return Status::OK();
  }
  if (grouper_->num_groups() == 0) return Status::OK();
  arrow::ArrayVector keys;
  for (size_t k = 0; k < probe_keys.size(); ++k) {
    FERRY_ASSIGN_OR_RAISE(auto key, Decoded(probe_keys[k]));
    const auto& build_type = key_types_[k];
    if (!key->type()->Equals(*build_type)) {
      FERRY_ASSIGN_OR_RAISE(auto cast, cp::Cast(key, build_type));
      key = cast.make_array();
    }
    keys.push_back(std::move(key));
  }
  FERRY_ASSIGN_OR_RAISE(auto normalized, NormalizedKeys(keys));
  std::vector<arrow::Datum> values(normalized.begin(), normalized.end());
  cp::ExecBatch batch(std::move(values), num_rows);
  FERRY_ASSIGN_OR_RAISE(auto ids_datum, grouper_->Lookup(cp::ExecSpan(batch)));
  const auto& ids = *ids_datum.array();
  const uint32_t* raw = ids.GetValues<uint32_t>(1);
  // A probe key with no NULL can only find a group of build rows without
  // NULLs, which is never empty; NULL probe keys match nothing.
  auto null_rows = NullKeyRows(keys, num_rows);
  int32_t* out = groups->data();
  if (ids.GetNullCount() == 0 && !null_rows) {
    for (int64_t i = 0; i < num_rows; ++i) out[i] = static_cast<int32_t>(raw[i]);
    return Status::OK();
  }
  for (int64_t i = 0; i < num_rows; ++i) {
    if (!ids.IsValid(i)) continue;
    if (null_rows && (*null_rows)[i]) continue;
    out[i] = static_cast<int32_t>(raw[i]);
  }
  return Status::OK();
}

}  // namespace ferry
