// Fuzz target: ferry's Parquet column chunk decoder (exec/parquet_page_decoder)
// over arbitrary page bytes, as a scan feeds it a file's column chunk.
// Input: one byte choosing the column (its low 3 bits the physical and Arrow
// type, bit 3 optional, bit 4 snappy pages, bit 5 a 9-byte
// FIXED_LEN_BYTE_ARRAY decimal instead), a little-endian u32 value
// count (at most 1 << 20), then the chunk's bytes (page headers and pages).
// Invariants: decoding ends in an array or an error, never a crash or a
// read outside the input; an array has the rows asked for and passes
// Arrow's validation (in full for offsets and dictionary indices).

#include <cstdint>
#include <cstring>
#include <memory>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/type.h>
#include <parquet/column_reader.h>
#include <parquet/exception.h>
#include <parquet/properties.h>
#include <parquet/schema.h>

#include "ferry/exec/parquet_page_decoder.h"
#include "fuzz_check.h"

namespace {

using parquet::LogicalType;
using parquet::schema::GroupNode;
using parquet::schema::PrimitiveNode;

struct Column {
  parquet::Type::type physical;
  std::shared_ptr<const LogicalType> logical;
  std::shared_ptr<arrow::DataType> type;
};

// Binary rather than utf8: the decoder, like Arrow's reader, does not
// check UTF-8, and full validation of a string array would.
Column ColumnFor(uint8_t choice) {
  if (choice & 32) {
    return {parquet::Type::FIXED_LEN_BYTE_ARRAY, LogicalType::Decimal(20, 3), arrow::decimal128(20, 3)};
  }
  switch (choice & 7) {
    case 0: return {parquet::Type::INT32, LogicalType::None(), arrow::int32()};
    case 1: return {parquet::Type::INT64, LogicalType::None(), arrow::int64()};
    case 2: return {parquet::Type::INT32, LogicalType::Decimal(9, 2), arrow::decimal128(9, 2)};
    case 3: return {parquet::Type::INT64, LogicalType::Decimal(18, 2), arrow::decimal128(18, 2)};
    case 4: return {parquet::Type::BYTE_ARRAY, LogicalType::None(), arrow::binary()};
    case 5:
      return {parquet::Type::BYTE_ARRAY, LogicalType::None(),
              arrow::dictionary(arrow::int32(), arrow::binary())};
    case 6: return {parquet::Type::DOUBLE, LogicalType::None(), arrow::float64()};
    default: return {parquet::Type::INT32, LogicalType::Date(), arrow::date32()};
  }
}

void Decode(const uint8_t* data, size_t size) {
  const uint8_t choice = data[0];
  uint32_t num_values;
  std::memcpy(&num_values, data + 1, 4);
  num_values &= (1u << 20) - 1;
  const Column column = ColumnFor(choice);
  const bool optional = choice & 8, snappy = choice & 16;
  const auto repetition = optional ? parquet::Repetition::OPTIONAL : parquet::Repetition::REQUIRED;
  auto node = PrimitiveNode::Make("v", repetition, column.logical, column.physical,
                                  column.physical == parquet::Type::FIXED_LEN_BYTE_ARRAY ? 9 : -1);
  parquet::SchemaDescriptor schema;
  schema.Init(GroupNode::Make("schema", parquet::Repetition::REQUIRED, {node}));
  const parquet::ColumnDescriptor* descr = schema.Column(0);
  auto kind = ferry::NativeValueKindFor(*descr, *column.type);
  FERRY_FUZZ_CHECK(kind.has_value(), "every fuzzed column is one ferry decodes");

  // A copy, so ASan sees any read past the chunk's end.
  auto bytes = arrow::AllocateBuffer(static_cast<int64_t>(size - 5)).ValueOrDie();
  std::memcpy(bytes->mutable_data(), data + 5, size - 5);
  auto stream = std::make_shared<arrow::io::BufferReader>(std::shared_ptr<arrow::Buffer>(std::move(bytes)));
  const parquet::ReaderProperties properties;
  std::unique_ptr<parquet::PageReader> pages;
  try {
    pages = parquet::PageReader::Open(stream, num_values, arrow::Compression::UNCOMPRESSED,
                                      properties, *descr);
  } catch (const parquet::ParquetException&) {
    return;
  }
  auto decoder = ferry::ColumnChunkDecoder::Make(std::move(pages), descr, column.type, *kind, snappy,
                                                 arrow::default_memory_pool());
  if (!decoder.ok()) return;
  // Uneven batches, so batches end inside pages and runs.
  int64_t left = num_values, batch = 1;
  while (left > 0) {
    const int64_t rows = std::min(left, batch);
    auto array = (*decoder)->Next(rows);
    if (!array.ok()) return;
    FERRY_FUZZ_CHECK((*array)->length() == rows, "a batch has the rows asked for");
    // Full validation for offsets and dictionary indices; a decimal out
    // of its precision is what the file holds (Arrow's reader keeps it too).
    const bool binary = column.physical == parquet::Type::BYTE_ARRAY;
    FERRY_FUZZ_CHECK((binary ? (*array)->ValidateFull() : (*array)->Validate()).ok(),
                     "a decoded array is valid");
    left -= rows;
    batch = batch * 3 + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  Decode(data, size);
  return 0;
}
