// A physical plan in its own envelope: one operator tree with its own
// function table (physical_tree.h has the trees that share one).

#include "ferry/serde/physical_tree.h"

#include <google/protobuf/arena.h>

#include "ferry/serde/expr_serde_internal.h"
#include "ferry/serde/physical_serde_internal.h"

namespace ferry {

namespace pb = ferry::v1;

namespace {

// The message tree on an arena whose first block is on the stack: a plan's
// hundreds of small messages then cost neither a malloc nor a destructor
// each (together a tenth of encoding or decoding a plan).
class PlanArena {
 public:
  PlanArena() : arena_(Options(first_block_)) {}
  pb::PhysicalPlanMessage* NewMessage() {
    return google::protobuf::Arena::CreateMessage<pb::PhysicalPlanMessage>(&arena_);
  }

 private:
  static google::protobuf::ArenaOptions Options(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kFirstBlockBytes;
    return options;
  }
  static constexpr size_t kFirstBlockBytes = 8 << 10;
  alignas(16) char first_block_[kFirstBlockBytes];
  google::protobuf::Arena arena_;
};

}  // namespace

Result<std::string> EncodePhysicalPlan(const ExecutionPlan& plan, const ExtensionCodec& codec,
                                       const PhysicalEncodeOptions& options) {
  PlanArena arena;
  auto& message = *arena.NewMessage();
  FERRY_RETURN_NOT_OK(PhysicalTreeWriter(codec, message.mutable_functions(), options)
                          .Write(plan, message.mutable_root()));
  return internal::WritePayload(message, internal::kPhysicalPlanKind, "physical plan");
}

Result<ExecPtr> DecodePhysicalPlan(std::string_view bytes, const ExtensionCodec& codec,
                                   const FunctionRegistry& registry, const TableOpener& open_table,
                                   const DecodeLimits& limits,
                                   const StageInputBinder& bind_stage_input,
                                   const TableResolver& resolve_table) {
  PlanArena arena;
  auto& message = *arena.NewMessage();
  FERRY_RETURN_NOT_OK(internal::ReadPayload(bytes, internal::kPhysicalPlanKind, "physical plan",
                                            &message, limits));
  if (!message.has_root()) return Status::Invalid("not a ferry physical plan: no root operator");
  return PhysicalTreeReader(message.functions(), codec, registry, open_table, limits, resolve_table)
      .Read(message.root(), bind_stage_input);
}

}  // namespace ferry
