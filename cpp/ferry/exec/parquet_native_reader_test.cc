#include "ferry/exec/parquet_native_reader.h"

#include <filesystem>
#include <random>

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

namespace ferry {
namespace {

// A table of the types ferry decodes and two it leaves to Arrow (int16,
// a list), NULLs in every nullable column.
std::shared_ptr<arrow::Table> MakeTable(int64_t rows) {
  std::mt19937 random(7);
  arrow::Int32Builder i32;
  arrow::Int64Builder i64;
  arrow::DoubleBuilder f64;
  arrow::StringBuilder text;
  arrow::Int16Builder i16;
  arrow::ListBuilder list(arrow::default_memory_pool(), std::make_shared<arrow::Int32Builder>());
  auto* items = static_cast<arrow::Int32Builder*>(list.value_builder());
  for (int64_t i = 0; i < rows; ++i) {
    const bool null = random() % 5 == 0;
    EXPECT_TRUE((null ? i32.AppendNull() : i32.Append(static_cast<int32_t>(random() % 100))).ok());
    EXPECT_TRUE(i64.Append(static_cast<int64_t>(random())).ok());
    EXPECT_TRUE((null ? f64.AppendNull() : f64.Append(i * 0.5)).ok());
    EXPECT_TRUE((null ? text.AppendNull() : text.Append("v" + std::to_string(random() % 300))).ok());
    EXPECT_TRUE(i16.Append(static_cast<int16_t>(i % 1000)).ok());
    EXPECT_TRUE(list.Append().ok());
    EXPECT_TRUE(items->Append(static_cast<int32_t>(i)).ok());
  }
  std::vector<std::shared_ptr<arrow::Array>> arrays(6);
  EXPECT_TRUE(i32.Finish(&arrays[0]).ok());
  EXPECT_TRUE(i64.Finish(&arrays[1]).ok());
  EXPECT_TRUE(f64.Finish(&arrays[2]).ok());
  EXPECT_TRUE(text.Finish(&arrays[3]).ok());
  EXPECT_TRUE(i16.Finish(&arrays[4]).ok());
  EXPECT_TRUE(list.Finish(&arrays[5]).ok());
  auto schema = arrow::schema({arrow::field("i32", arrow::int32()),
                               arrow::field("i64", arrow::int64(), /*nullable=*/false),
                               arrow::field("f64", arrow::float64()), arrow::field("text", arrow::utf8()),
                               arrow::field("i16", arrow::int16(), false),
                               arrow::field("list", arrow::list(arrow::int32()))});
  return arrow::Table::Make(schema, arrays);
}

class NativeParquetReaderTest : public ::testing::TestWithParam<parquet::ParquetDataPageVersion> {
 protected:
  std::string Write(const arrow::Table& table, arrow::Compression::type codec) {
    path_ = (std::filesystem::temp_directory_path() /
             ("ferry_native_reader_test_" + std::to_string(::getpid()) + ".parquet"))
                .string();
    auto out = arrow::io::FileOutputStream::Open(path_).ValueOrDie();
    auto properties = parquet::WriterProperties::Builder()
                          .compression(codec)
                          ->data_pagesize(1024)
                          ->dictionary_pagesize_limit(512)
                          ->data_page_version(GetParam())
                          ->build();
    EXPECT_TRUE(parquet::arrow::WriteTable(table, arrow::default_memory_pool(), out, 700, properties).ok());
    EXPECT_TRUE(out->Close().ok());
    return path_;
  }
  void TearDown() override {
    if (!path_.empty()) std::filesystem::remove(path_);
  }

  static std::shared_ptr<parquet::arrow::FileReader> Open(const std::string& path) {
    auto file = arrow::io::ReadableFile::Open(path).ValueOrDie();
    return parquet::arrow::OpenFile(file, arrow::default_memory_pool()).ValueOrDie();
  }

  std::string path_;
};

TEST_P(NativeParquetReaderTest, ReadsWhatArrowsReaderReads) {
  auto table = MakeTable(2500);
  for (auto codec : {arrow::Compression::SNAPPY, arrow::Compression::ZSTD,
                     arrow::Compression::UNCOMPRESSED}) {
    const std::string path = Write(*table, codec);
    auto reader = Open(path);
    const std::vector<int> row_groups = {3, 0, 2};  // any order, a subset
    const std::vector<int> leaves = {3, 5, 0, 1, 2, 4};
    auto expected = reader->GetRecordBatchReader(row_groups, leaves).ValueOrDie()->ToTable().ValueOrDie();
    auto native = MakeNativeParquetReader(Open(path), path, row_groups, leaves).ValueOrDie();
    auto got = native->ToTable().ValueOrDie();
    ASSERT_TRUE(got->schema()->Equals(*expected->schema())) << got->schema()->ToString();
    ASSERT_TRUE(got->Equals(*expected)) << "codec " << arrow::util::Codec::GetCodecAsString(codec);
    for (const auto& batch : arrow::TableBatchReader(*got).ToRecordBatches().ValueOrDie()) {
      EXPECT_LE(batch->num_rows(), 700);  // a batch never spans a row group
    }
  }
}

TEST_P(NativeParquetReaderTest, ATruncatedChunkIsAnErrorNamingTheFile) {
  const std::string path = Write(*MakeTable(2000), arrow::Compression::SNAPPY);
  auto reader = Open(path);
  // Zero the bytes of a data page's values in the first row group's i64
  // chunk, keeping the page header: snappy or the decoder must refuse it.
  auto chunk = reader->parquet_reader()->metadata()->RowGroup(0)->ColumnChunk(1);
  const int64_t start = chunk->data_page_offset() + 40;
  {
    auto file = arrow::io::ReadableFile::Open(path).ValueOrDie();
    auto bytes = file->ReadAt(0, file->GetSize().ValueOrDie()).ValueOrDie();
    std::string data(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    for (int64_t i = start; i < start + 200; ++i) data[i] = static_cast<char>(0xff);
    auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
    ASSERT_TRUE(out->Write(data).ok());
    ASSERT_TRUE(out->Close().ok());
  }
  auto native = MakeNativeParquetReader(Open(path), path, {0}, {1}).ValueOrDie();
  auto result = native->ToTable();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find(path), std::string::npos) << result.status();
}

INSTANTIATE_TEST_SUITE_P(PageVersions, NativeParquetReaderTest,
                         ::testing::Values(parquet::ParquetDataPageVersion::V1,
                                           parquet::ParquetDataPageVersion::V2));

}  // namespace
}  // namespace ferry
