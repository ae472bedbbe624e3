#include "ferry/exec/selection.h"

#include <cstring>

#include <arrow/compute/api.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_ops.h>

namespace ferry {
namespace {

// Copies the selected elements of `in` (width bytes each) to `out`.
template <typename T>
void Compact(const T* in, const uint8_t* bits, int64_t bit_offset, int64_t length, T* out) {
  int64_t j = 0;
  int64_t i = 0;
  // Whole 64-row words: all-set and all-clear words are common in sorted or
  // clustered data and take the fast paths.
  for (; i + 64 <= length; i += 64) {
    uint64_t word = 0;
    if ((bit_offset + i) % 8 == 0) {
      std::memcpy(&word, bits + (bit_offset + i) / 8, 8);
    } else {
      for (int b = 0; b < 64; ++b) {
        word |= static_cast<uint64_t>(arrow::bit_util::GetBit(bits, bit_offset + i + b)) << b;
      }
    }
    if (word == ~uint64_t{0}) {
      std::memcpy(out + j, in + i, 64 * sizeof(T));
      j += 64;
    } else if (word != 0) {
      for (int b = 0; b < 64; ++b) {
        out[j] = in[i + b];  // always written; kept only when selected
        j += (word >> b) & 1;
      }
    }
  }
  for (; i < length; ++i) {
    if (arrow::bit_util::GetBit(bits, bit_offset + i)) out[j++] = in[i];
  }
}

Result<std::shared_ptr<arrow::Array>> CompactFixedWidth(const arrow::Array& column,
                                                        const uint8_t* bits, int64_t bits_offset,
                                                        int64_t selected) {
  const auto& type = column.type();
  const int width = type->byte_width();
  // One spare element: the branchless loop writes one slot past the last kept.
  FERRY_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateBuffer((selected + 1) * width));
  const auto& data = *column.data();
  const uint8_t* in = data.buffers[1]->data() + data.offset * width;
  uint8_t* out = buffer->mutable_data();
  switch (width) {
    case 1:
      Compact(reinterpret_cast<const uint8_t*>(in), bits, bits_offset, column.length(), out);
      break;
    case 2:
      Compact(reinterpret_cast<const uint16_t*>(in), bits, bits_offset, column.length(),
              reinterpret_cast<uint16_t*>(out));
      break;
    case 4:
      Compact(reinterpret_cast<const uint32_t*>(in), bits, bits_offset, column.length(),
              reinterpret_cast<uint32_t*>(out));
      break;
    default:
      Compact(reinterpret_cast<const uint64_t*>(in), bits, bits_offset, column.length(),
              reinterpret_cast<uint64_t*>(out));
      break;
  }
  std::shared_ptr<arrow::Buffer> values = std::move(buffer);
  values = arrow::SliceBuffer(values, 0, selected * width);
  return arrow::MakeArray(arrow::ArrayData::Make(type, selected, {nullptr, values}, 0));
}

bool CanCompact(const arrow::Array& column) {
  if (column.null_count() != 0) return false;
  const auto& type = *column.type();
  if (!arrow::is_fixed_width(type.id()) || type.id() == arrow::Type::BOOL ||
      type.id() == arrow::Type::DICTIONARY || type.id() == arrow::Type::EXTENSION) {
    return false;
  }
  int width = type.byte_width();
  return width == 1 || width == 2 || width == 4 || width == 8;
}

}  // namespace

Result<std::shared_ptr<arrow::RecordBatch>> FilterRecordBatch(const arrow::RecordBatch& batch,
                                                              const arrow::BooleanArray& mask) {
  // The selection bitmap: mask values, cleared where the mask is NULL.
  std::shared_ptr<arrow::Buffer> bits = mask.values();
  int64_t bits_offset = mask.offset();
  if (mask.null_count() > 0) {
    FERRY_ASSIGN_OR_RAISE(bits, arrow::internal::BitmapAnd(arrow::default_memory_pool(),
                                                           mask.values()->data(), mask.offset(),
                                                           mask.null_bitmap_data(), mask.offset(),
                                                           mask.length(), 0));
    bits_offset = 0;
  }
  const int64_t selected = arrow::internal::CountSetBits(bits->data(), bits_offset, mask.length());
  std::shared_ptr<arrow::BooleanArray> selection;
  arrow::ArrayVector columns;
  columns.reserve(batch.num_columns());
  for (const auto& column : batch.columns()) {
    if (selected == column->length()) {
      columns.push_back(column);
    } else if (CanCompact(*column)) {
      FERRY_ASSIGN_OR_RAISE(auto out, CompactFixedWidth(*column, bits->data(), bits_offset, selected));
      columns.push_back(std::move(out));
    } else {
      if (!selection) {
        selection = std::make_shared<arrow::BooleanArray>(mask.length(), bits, nullptr, 0, bits_offset);
      }
      FERRY_ASSIGN_OR_RAISE(auto out, arrow::compute::Filter(column, selection));
      columns.push_back(out.make_array());
    }
  }
  return arrow::RecordBatch::Make(batch.schema(), selected, std::move(columns));
}

}  // namespace ferry
