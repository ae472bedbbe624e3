#include "ferry/plan/plan_display.h"

namespace ferry {
namespace {

std::string SchemaLine(const arrow::Schema& schema) {
  std::string out = "[";
  for (int i = 0; i < schema.num_fields(); ++i) {
    const auto& field = schema.field(i);
    out += (i ? ", " : "") + field->name() + ":" + field->type()->ToString();
    if (field->nullable()) out += ";N";
  }
  return out + "]";
}

void AppendWithSchema(const LogicalPlan& plan, int depth, std::string* out) {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  out->append(plan.Describe() + " " + SchemaLine(*plan.schema) + "\n");
  for (const auto& input : plan.inputs()) AppendWithSchema(*input, depth + 1, out);
}

std::string DotLabel(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Writes `plan` as node `*next_id` (then its inputs) and returns its id.
int AppendDot(const LogicalPlan& plan, int* next_id, std::string* out) {
  const int id = (*next_id)++;
  out->append("  n" + std::to_string(id) + " [label=\"" + DotLabel(plan.Describe()) + "\"];\n");
  for (const auto& input : plan.inputs()) {
    const int child = AppendDot(*input, next_id, out);
    out->append("  n" + std::to_string(id) + " -> n" + std::to_string(child) + " [dir=back];\n");
  }
  return id;
}

}  // namespace

std::string DisplayIndentSchema(const LogicalPlan& plan) {
  std::string out;
  AppendWithSchema(plan, 0, &out);
  return out;
}

std::string DisplayGraphviz(const LogicalPlan& plan) {
  std::string out = "digraph LogicalPlan {\n  node [shape=box];\n";
  int next_id = 1;
  AppendDot(plan, &next_id, &out);
  return out + "}\n";
}

}  // namespace ferry
