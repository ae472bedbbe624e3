// The tables a plan scans, on the wire: Parquet and CSV files by path with
// their reader options, in-memory tables inline as Arrow IPC streams.

#include "ferry/common/overloaded.h"
#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry::internal {

namespace pb = ferry::v1;

Status EncodeTableSource(const TableSource& source, pb::TableSource* out) {
  return std::visit(
      Overloaded{
          [&](const ParquetFileSource& s) -> Status {
            out->mutable_parquet()->set_path(s.path);
            return Status::OK();
          },
          [&](const CsvFileSource& s) -> Status {
            auto* csv = out->mutable_csv();
            csv->set_path(s.path);
            csv->set_has_header(s.has_header);
            csv->set_delimiter(std::string(1, s.delimiter));
            return Status::OK();
          },
          [&](const InMemorySource& s) -> Status {
            auto* memory = out->mutable_memory();
            FERRY_ASSIGN_OR_RAISE(auto schema, WriteIpcStream(s.schema, {}));
            memory->set_schema(std::move(schema));
            for (const auto& partition : s.partitions) {
              FERRY_ASSIGN_OR_RAISE(auto stream, WriteIpcStream(s.schema, partition));
              memory->add_partitions(std::move(stream));
            }
            return Status::OK();
          },
      },
      source);
}

Result<TableSource> DecodeTableSource(const pb::TableSource& source) {
  switch (source.source_case()) {
    case pb::TableSource::kParquet:
      if (source.parquet().path().empty()) return Status::Invalid("Parquet table without a path");
      return ParquetFileSource{source.parquet().path()};
    case pb::TableSource::kCsv: {
      const auto& csv = source.csv();
      if (csv.path().empty()) return Status::Invalid("CSV table without a path");
      if (csv.delimiter().size() != 1) {
        return Status::Invalid("CSV delimiter must be one byte, got ", csv.delimiter().size());
      }
      return CsvFileSource{csv.path(), csv.has_header(), csv.delimiter()[0]};
    }
    case pb::TableSource::kMemory: {
      const auto& memory = source.memory();
      FERRY_ASSIGN_OR_RAISE(auto schema, ReadIpcStream(memory.schema(), "in-memory table schema"));
      if (!schema.second.empty()) {
        return Status::Invalid("malformed in-memory table schema: it holds record batches");
      }
      InMemorySource out{schema.first, {}};
      for (int p = 0; p < memory.partitions_size(); ++p) {
        FERRY_ASSIGN_OR_RAISE(auto stream, ReadIpcStream(memory.partitions(p), "in-memory table partition"));
        if (!stream.first->Equals(*out.schema, /*check_metadata=*/false)) {
          return Status::Invalid("in-memory table partition ", p, " has schema ",
                                 stream.first->ToString(), "; the table's is ", out.schema->ToString());
        }
        out.partitions.push_back(std::move(stream.second));
      }
      return out;
    }
    case pb::TableSource::kCatalog:
      // Resolved by the plan decoder, in the receiver's catalog.
      return Status::Invalid("table '", source.catalog().name(),
                             "' is sent by name: only a receiving session's catalog can open it");
    case pb::TableSource::kRecursiveQuery:
    case pb::TableSource::kWorkTable:
      // Plans inside: decoded by the plan decoder, never a file or rows.
      return Status::Invalid("a recursive query's tables travel only inside a logical plan");
    case pb::TableSource::SOURCE_NOT_SET:
      break;
  }
  return Status::Invalid("table source of unknown or missing kind");
}

}  // namespace ferry::internal
