// Decoded plans reuse an opened file table while the file is unchanged and
// reopen it once it changes or when the cache is full.

#include "ferry/session/file_table_cache.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

namespace ferry {
namespace {

class FileTableCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ferry_file_cache_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(FileTableCacheTest, ReusesUntilTheFileChanges) {
  FileTableCache cache;
  auto path = Write("a.csv", "x,y\n1,2\n");
  auto first = cache.Open(CsvFileSource{path, true, ','}).ValueOrDie();
  EXPECT_EQ(cache.Open(CsvFileSource{path, true, ','}).ValueOrDie(), first);
  // Other reader options are another table.
  auto headerless = cache.Open(CsvFileSource{path, false, ','}).ValueOrDie();
  EXPECT_NE(headerless, first);
  EXPECT_EQ(headerless->schema()->num_fields(), 2);
  // A rewritten file (another size) is opened again, with its new columns.
  Write("a.csv", "x,y,z\n1,2,3\n");
  auto second = cache.Open(CsvFileSource{path, true, ','}).ValueOrDie();
  EXPECT_NE(second, first);
  EXPECT_EQ(second->schema()->num_fields(), 3);
  // A deleted file is an error, not a stale table.
  std::filesystem::remove(path);
  EXPECT_FALSE(cache.Open(CsvFileSource{path, true, ','}).ok());
}

TEST_F(FileTableCacheTest, DropsTheLeastRecentlyUsed) {
  FileTableCache cache(2);
  auto a = Write("a.csv", "x\n1\n"), b = Write("b.csv", "x\n2\n"), c = Write("c.csv", "x\n3\n");
  auto table_a = cache.Open(CsvFileSource{a}).ValueOrDie();
  auto table_b = cache.Open(CsvFileSource{b}).ValueOrDie();
  EXPECT_EQ(cache.Open(CsvFileSource{a}).ValueOrDie(), table_a);  // a is now the most recent
  cache.Open(CsvFileSource{c}).ValueOrDie();                         // evicts b
  EXPECT_EQ(cache.Open(CsvFileSource{a}).ValueOrDie(), table_a);
  EXPECT_NE(cache.Open(CsvFileSource{b}).ValueOrDie(), table_b);
}

}  // namespace
}  // namespace ferry
