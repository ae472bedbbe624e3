// Jobs: a DataFrame planned, cut into stages and encoded for the workers,
// and the checks a worker makes before it trusts a job's stages.

#include "ferry/dist/job.h"

#include <random>

#include "ferry/exec/exchange_info.h"
#include "ferry/exec/physical_planner.h"
#include "ferry/exec/stage_input.h"
#include "ferry/plan/optimizer.h"
#include "ferry/serde/envelope_signing.h"
#include "ferry/serde/job_serde.h"
#include "ferry/serde/physical_tree.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/v1/job.pb.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;

std::string RandomJobId() {
  std::random_device device;
  std::string id;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) id += kHex[device() % 16];
  return id;
}

Result<pb::JobMessage> ParseJob(std::string_view bytes, const DecodeLimits& limits) {
  pb::JobMessage message;
  FERRY_RETURN_NOT_OK(ReadJobPayload(bytes, &message, limits));
  if (message.stages_size() == 0) return Status::Invalid("job has no stages");
  return message;
}

// The stage inputs of `plan`, not below another stage input.
void CollectStageInputs(const ExecutionPlan& plan, std::vector<const StageInputSpec*>* out) {
  if (const auto* spec = AsStageInput(plan)) {
    out->push_back(spec);
    return;
  }
  for (const auto& child : plan.children()) CollectStageInputs(*child, out);
}

// A decoded stage must be what its message claims and read only earlier
// stages the way they were written, so a task can never index past an
// output or wait for a stage that never runs.
Status CheckStage(const Stage& stage, const std::vector<Stage>& earlier) {
  const auto& task_plan = TaskPlanOf(stage);
  if (stage.num_tasks != task_plan->num_partitions()) {
    return Status::Invalid("stage ", stage.id, " claims ", stage.num_tasks, " tasks, its plan has ",
                           task_plan->num_partitions(), " partitions");
  }
  const auto* exchange = AsExchange(*stage.fragment);
  const bool slices = exchange != nullptr && (exchange->kind == ExchangeKind::kHash ||
                                              exchange->kind == ExchangeKind::kRoundRobin);
  if (stage.output_slices != (slices ? exchange->num_outputs : 1)) {
    return Status::Invalid("stage ", stage.id, " claims ", stage.output_slices,
                           " output slices, its plan writes ", slices ? exchange->num_outputs : 1);
  }
  std::vector<const StageInputSpec*> specs;
  CollectStageInputs(*task_plan, &specs);
  for (const auto* spec : specs) {
    if (spec->stage_id < 0 || spec->stage_id >= stage.id ||
        std::find(stage.inputs.begin(), stage.inputs.end(), spec->stage_id) == stage.inputs.end()) {
      return Status::Invalid("stage ", stage.id, " reads stage ", spec->stage_id,
                             ", which is not one of its earlier inputs");
    }
    const Stage& producer = earlier[spec->stage_id];
    const int expected = spec->mode == StageInputMode::kSlice       ? producer.output_slices
                         : spec->mode == StageInputMode::kWholeTask ? producer.num_tasks
                                                                    : spec->num_partitions;
    if (spec->num_partitions != expected) {
      return Status::Invalid("stage ", stage.id, " reads ", spec->num_partitions,
                             " partitions from stage ", spec->stage_id, ", which writes ", expected);
    }
    if (!spec->schema->Equals(*TaskPlanOf(producer)->schema())) {
      return Status::Invalid("stage ", stage.id, " expects another schema from stage ",
                             spec->stage_id);
    }
  }
  for (int input : stage.inputs) {
    if (input < 0 || input >= stage.id) {
      return Status::Invalid("stage ", stage.id, " lists input stage ", input,
                             ", which does not come before it");
    }
  }
  return Status::OK();
}

}  // namespace

Result<Job> PlanJob(const DataFrame& df, int target_partitions) {
  if (target_partitions < 1) {
    return Status::Invalid("a distributed plan needs at least 1 partition, got ", target_partitions);
  }
  FERRY_ASSIGN_OR_RAISE(auto optimized, Optimize(df.plan()));
  PlannerOptions options;
  options.target_partitions = target_partitions;
  // Stages run apart: an operator two stages read cannot be shared.
  options.share_subplans = false;
  FERRY_ASSIGN_OR_RAISE(auto physical, CreatePhysicalPlan(*optimized, options));
  Job job;
  job.job_id = RandomJobId();
  job.schema = physical->schema();
  FERRY_ASSIGN_OR_RAISE(job.plan, CutIntoStages(physical));
  return job;
}

Result<std::string> EncodeJob(const Job& job, const SessionContext& session, bool inline_functions,
                              std::vector<std::string>* warnings) {
  pb::JobMessage message;
  message.set_job_id(job.job_id);
  message.set_python_udf_inlining(inline_functions);
  PhysicalTreeWriter writer(*session.codec(), message.mutable_functions(),
                            session.PhysicalEncodeOptionsFor(warnings));
  for (const auto& stage : job.plan.stages) {
    auto* out = message.add_stages();
    out->set_id(stage.id);
    FERRY_RETURN_NOT_OK(writer.Write(*stage.fragment, out->mutable_fragment()));
    for (int input : stage.inputs) out->add_inputs(input);
    out->set_num_tasks(stage.num_tasks);
    out->set_output_slices(stage.output_slices);
  }
  FERRY_ASSIGN_OR_RAISE(auto bytes, WriteJobPayload(message));
  FERRY_RETURN_NOT_OK(CheckEncodedJobSize(bytes, session.config().max_encoded_plan_bytes));
  return SignEnvelopeFor(std::move(bytes), *session.codec());
}

Result<JobHeader> ReadJobHeader(std::string_view bytes) {
  FERRY_ASSIGN_OR_RAISE(auto message, ParseJob(bytes, DecodeLimits{}));
  return JobHeader{message.job_id(), message.python_udf_inlining()};
}

Result<StagePlan> DecodeJob(std::string_view bytes, const SessionContext& session,
                            const DecodeLimits& limits) {
  FERRY_RETURN_NOT_OK(VerifyEnvelopeFor(bytes, *session.codec()));
  FERRY_ASSIGN_OR_RAISE(auto message, ParseJob(bytes, limits));
  // One reader for every stage: a function several stages call is resolved
  // (a Python UDF unpickled) once.
  const auto open_table = session.DecodedTableOpener();
  const TableResolver resolve_table = [&session](const std::string& name) {
    return session.GetTable(name);
  };
  PhysicalTreeReader reader(message.functions(), *session.codec(), session.functions(), open_table,
                            limits, resolve_table);
  StagePlan plan;
  for (const auto& in : message.stages()) {
    Stage stage;
    stage.id = static_cast<int>(plan.stages.size());
    if (in.id() != static_cast<uint32_t>(stage.id)) {
      return Status::Invalid("job stage ", plan.stages.size(), " is numbered ", in.id());
    }
    if (!in.has_fragment()) return Status::Invalid("job stage ", stage.id, " has no fragment");
    FERRY_ASSIGN_OR_RAISE(stage.fragment, reader.Read(in.fragment()));
    for (uint32_t input : in.inputs()) stage.inputs.push_back(static_cast<int>(input));
    stage.num_tasks = static_cast<int>(in.num_tasks());
    stage.output_slices = static_cast<int>(in.output_slices());
    FERRY_RETURN_NOT_OK(CheckStage(stage, plan.stages));
    plan.stages.push_back(std::move(stage));
  }
  return plan;
}

}  // namespace ferry
