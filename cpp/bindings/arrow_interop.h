#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <nanobind/nanobind.h>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"

namespace ferry::bindings {

namespace nb = nanobind;

/// Arrow data crossing the Python boundary through the Arrow PyCapsule
/// interface (zero-copy both ways; any producer: pyarrow, polars, ...).

/// A DataType from any object with __arrow_c_schema__ (pa.DataType, Field).
std::shared_ptr<arrow::DataType> ImportType(nb::handle obj);
/// A Field from any object with __arrow_c_schema__.
std::shared_ptr<arrow::Field> ImportField(nb::handle obj);
/// An Array from any object with __arrow_c_array__, as handed over (see
/// ImportCheckedArray and CheckReturnedArray for the checked forms).
std::shared_ptr<arrow::Array> ImportArray(nb::handle obj);
/// ImportArray, then checked as strictly as ValidateFull: a malformed array
/// (bad offsets, short buffers, invalid UTF-8) raises FerryValueError
/// instead of crashing a kernel later. For values the engine keeps (literals).
std::shared_ptr<arrow::Array> ImportCheckedArray(nb::handle obj);
/// Checks an Array a Python function returned (a UDF's result, a UDAF's
/// state) before the engine reads it: a structurally broken array (offsets
/// out of order, bad UTF-8, short buffers) becomes an Invalid naming `who`
/// instead of a crash later in a kernel. Needs no GIL; call without it.
Status CheckReturnedArray(const arrow::Array& array, const std::string& who);
/// A RecordBatch from any object with __arrow_c_array__ (struct-typed),
/// checked like ImportCheckedArray (FerryValueError naming the column).
std::shared_ptr<arrow::RecordBatch> ImportRecordBatch(nb::handle obj);
/// Every batch of any object with __arrow_c_stream__, each checked like
/// ImportRecordBatch; read and checked with the GIL released.
std::pair<std::shared_ptr<arrow::Schema>, BatchVector> ImportStream(nb::handle obj);

/// A pyarrow.Array viewing `array`'s buffers.
nb::object ExportArray(const std::shared_ptr<arrow::Array>& array);
/// A pyarrow.Schema / pyarrow.DataType of ferry's.
nb::object ExportSchema(const std::shared_ptr<arrow::Schema>& schema);
nb::object ExportType(const std::shared_ptr<arrow::DataType>& type);
/// An "arrow_array_stream" capsule over `batches`.
nb::object ExportStreamCapsule(std::shared_ptr<arrow::Schema> schema, BatchVector batches);
/// An "arrow_array_stream" capsule pulling from `stream` as it is read,
/// each pull with the GIL released; `owner` is kept alive with it.
nb::object ExportLiveStreamCapsule(std::shared_ptr<arrow::Schema> schema, StreamPtr stream,
                                   std::shared_ptr<const void> owner);
/// A list of pyarrow.RecordBatch viewing `batches` (none copied).
nb::list ExportBatches(std::shared_ptr<arrow::Schema> schema, BatchVector batches);

}  // namespace ferry::bindings
