#pragma once

#include <memory>

#include <google/protobuf/repeated_ptr_field.h>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/function/registry.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/extension_codec.h"
#include "ferry/serde/physical_serde.h"
#include "ferry/serde/plan_serde.h"
#include "ferry/v1/physical.pb.h"

namespace ferry {

/// Physical plans as operator trees inside a larger message (the stages of
/// a job, job.proto) that all share one function table: a function any of
/// the trees calls is written once, and read (a Python UDF unpickled) once.
/// EncodePhysicalPlan / DecodePhysicalPlan are the one-tree case.

/// Writes operator trees whose functions all go to one table. Not
/// thread-safe; `functions` must outlive the writer.
class PhysicalTreeWriter {
 public:
  PhysicalTreeWriter(const ExtensionCodec& codec,
                     google::protobuf::RepeatedPtrField<ferry::v1::FunctionDefinition>* functions,
                     PhysicalEncodeOptions options = {});
  ~PhysicalTreeWriter();
  /// As EncodePhysicalPlan, into `out`, refusing what it refuses.
  Status Write(const ExecutionPlan& plan, ferry::v1::ExecNode* out);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads operator trees against one function table; each entry is resolved
/// on the first reference of any tree and reused by every later one. Not
/// thread-safe; every argument must outlive the reader.
class PhysicalTreeReader {
 public:
  PhysicalTreeReader(const google::protobuf::RepeatedPtrField<ferry::v1::FunctionDefinition>& functions,
                     const ExtensionCodec& codec, const FunctionRegistry& registry,
                     const TableOpener& open_table, const DecodeLimits& limits,
                     const TableResolver& resolve_table = nullptr);
  ~PhysicalTreeReader();
  /// As DecodePhysicalPlan, from an already parsed (and counted) tree.
  Result<ExecPtr> Read(const ferry::v1::ExecNode& root, const StageInputBinder& bind_stage_input = nullptr);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry
