#include "ferry/exec/parquet_dictionary.h"

#include <algorithm>
#include <cstring>

#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/type.h>

namespace ferry {

Result<ParquetDictionary> DecodeDictionaryPage(const uint8_t* data, int64_t size, int64_t count,
                                               NativeValueKind kind, int stored_width,
                                               const std::shared_ptr<arrow::DataType>& type,
                                               arrow::MemoryPool* pool) {
  if (count < 0) return Status::Invalid("negative dictionary size");
  ParquetDictionary out;
  out.size = count;
  if (kind != NativeValueKind::kBinary && kind != NativeValueKind::kDictionaryIndices) {
    if (stored_width <= 0 || size / stored_width < count) {
      return Status::Invalid("dictionary page shorter than its values");
    }
    FERRY_ASSIGN_OR_RAISE(out.values,
                          arrow::AllocateBuffer(std::max<int64_t>(count, 1) * ArrowWidth(kind), pool));
    ConvertPlain(kind, stored_width, data, count, out.values->mutable_data());
    return out;
  }
  // Each value takes at least its 4-byte length: a count beyond that is
  // corrupt, refused before its offsets are allocated.
  if (count > size / 4) return Status::Invalid("dictionary page shorter than its values");
  FERRY_ASSIGN_OR_RAISE(auto offsets, arrow::AllocateBuffer((count + 1) * 4, pool));
  FERRY_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(size + kDictionarySlack, pool));
  auto* out_offsets = reinterpret_cast<int32_t*>(offsets->mutable_data());
  int64_t at = 0, written = 0, fixed_length = -1;
  out_offsets[0] = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (size - at < 4) return Status::Invalid("dictionary page ends inside a value");
    uint32_t length;
    std::memcpy(&length, data + at, sizeof(length));
    at += 4;
    if (length > static_cast<uint64_t>(size - at)) {
      return Status::Invalid("dictionary value longer than its page");
    }
    std::memcpy(values->mutable_data() + written, data + at, length);
    at += length;
    written += length;
    out_offsets[i + 1] = static_cast<int32_t>(written);
    out.max_length = std::max<int64_t>(out.max_length, length);
    fixed_length = i == 0 || length == fixed_length ? length : -2;
  }
  out.fixed_length = fixed_length < 0 ? -1 : fixed_length;
  std::memset(values->mutable_data() + written, 0, kDictionarySlack);
  out.offsets = std::move(offsets);
  out.values = std::move(values);
  if (kind == NativeValueKind::kDictionaryIndices) {
    auto value_type = static_cast<const arrow::DictionaryType&>(*type).value_type();
    out.array = arrow::ArrayData::Make(value_type, count, {nullptr, out.offsets, out.values}, 0);
  }
  return out;
}

}  // namespace ferry
