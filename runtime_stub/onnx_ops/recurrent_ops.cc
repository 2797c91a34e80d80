// recurrent_ops.cc: the recurrent operators LSTM, GRU and RNN (opsets 1 to 22), with
// forward, reverse and bidirectional directions, both layouts, sequence_lens, clip and the
// activation functions the ONNX specification lists.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {
namespace {

enum class CellKind { kLstm, kGru, kRnn };

// One activation function of the `activations` attribute with its alpha and beta.
struct Activation {
  enum class Kind {
    kRelu, kTanh, kSigmoid, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh,
    kHardSigmoid, kElu, kSoftsign, kSoftplus
  };
  Kind kind = Kind::kTanh;
  double alpha = 0.0;
  double beta = 0.0;

  double Apply(double x) const {
    switch (kind) {
      case Kind::kRelu: return std::max(x, 0.0);
      case Kind::kTanh: return std::tanh(x);
      case Kind::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
      case Kind::kAffine: return alpha * x + beta;
      case Kind::kLeakyRelu: return x >= 0.0 ? x : alpha * x;
      case Kind::kThresholdedRelu: return x > alpha ? x : 0.0;
      case Kind::kScaledTanh: return alpha * std::tanh(beta * x);
      case Kind::kHardSigmoid: return std::clamp(alpha * x + beta, 0.0, 1.0);
      case Kind::kElu: return x >= 0.0 ? x : alpha * (std::exp(x) - 1.0);
      case Kind::kSoftsign: return x / (1.0 + std::abs(x));
      case Kind::kSoftplus: return std::log1p(std::exp(x));
    }
    return x;
  }
};

// Name, kind, how many of (alpha, beta) it reads and their defaults (ONNX Runtime's values
// when activation_alpha / activation_beta run out).
struct ActivationSpec {
  const char* name;
  Activation::Kind kind;
  int parameter_count;
  double default_alpha;
  double default_beta;
};
constexpr ActivationSpec kActivationSpecs[] = {
    {"relu", Activation::Kind::kRelu, 0, 0.0, 0.0},
    {"tanh", Activation::Kind::kTanh, 0, 0.0, 0.0},
    {"sigmoid", Activation::Kind::kSigmoid, 0, 0.0, 0.0},
    {"affine", Activation::Kind::kAffine, 2, 1.0, 0.0},
    {"leakyrelu", Activation::Kind::kLeakyRelu, 1, 0.01, 0.0},
    {"thresholdedrelu", Activation::Kind::kThresholdedRelu, 1, 1.0, 0.0},
    {"scaledtanh", Activation::Kind::kScaledTanh, 2, 1.0, 1.0},
    {"hardsigmoid", Activation::Kind::kHardSigmoid, 2, 0.2, 0.5},
    {"elu", Activation::Kind::kElu, 1, 1.0, 0.0},
    {"softsign", Activation::Kind::kSoftsign, 0, 0.0, 0.0},
    {"softplus", Activation::Kind::kSoftplus, 0, 0.0, 0.0},
};

// Gates per cell (rows of W per direction are gate_count * hidden_size) and activations per
// direction.
int64_t GateCount(CellKind kind) {
  switch (kind) {
    case CellKind::kLstm: return 4;
    case CellKind::kGru: return 3;
    case CellKind::kRnn: return 1;
  }
  return 1;
}

std::vector<std::string> DefaultActivations(CellKind kind) {
  if (kind == CellKind::kLstm) return {"Sigmoid", "Tanh", "Tanh"};
  if (kind == CellKind::kGru) return {"Sigmoid", "Tanh"};
  return {"Tanh"};
}

// The activations of every direction, direction-major. A single direction's list given to a
// bidirectional node is used for both directions, as ONNX Runtime does.
absl::StatusOr<std::vector<Activation>> ParseActivations(const OpCall& call, CellKind kind,
                                                         int64_t directions) {
  std::vector<std::string> names = DefaultActivations(kind);
  const size_t per_direction = names.size();
  if (const onnx::AttributeProto* attribute = FindAttribute(call.node, "activations")) {
    names.assign(attribute->strings().begin(), attribute->strings().end());
  }
  if (names.size() == per_direction && directions == 2) {
    const std::vector<std::string> forward = names;
    names.insert(names.end(), forward.begin(), forward.end());
  }
  if (names.size() != per_direction * directions) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": attribute 'activations' needs ", per_direction * directions,
        " names (", per_direction, " per direction), found ", names.size()));
  }
  const std::vector<float> alphas =
      FloatsAttribute(call.node, "activation_alpha").value_or(std::vector<float>());
  const std::vector<float> betas =
      FloatsAttribute(call.node, "activation_beta").value_or(std::vector<float>());
  size_t next_alpha = 0;
  size_t next_beta = 0;
  std::vector<Activation> activations;
  for (const std::string& name : names) {
    const std::string lower = absl::AsciiStrToLower(name);
    const ActivationSpec* spec = nullptr;
    for (const ActivationSpec& candidate : kActivationSpecs) {
      if (lower == candidate.name) spec = &candidate;
    }
    if (spec == nullptr) {
      return UnsupportedAttribute(call.node, "activations", name,
                                  "use Relu, Tanh, Sigmoid, Affine, LeakyRelu, "
                                  "ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign "
                                  "or Softplus");
    }
    Activation activation{spec->kind, spec->default_alpha, spec->default_beta};
    if (spec->parameter_count >= 1 && next_alpha < alphas.size()) {
      activation.alpha = alphas[next_alpha++];
    }
    if (spec->parameter_count >= 2 && next_beta < betas.size()) {
      activation.beta = betas[next_beta++];
    }
    activations.push_back(activation);
  }
  return activations;
}

// Shapes, inputs and attributes of one recurrent node.
struct Recurrence {
  CellKind kind = CellKind::kRnn;
  int64_t sequence = 0;
  int64_t batch = 0;
  int64_t input_size = 0;
  int64_t hidden = 0;
  int64_t directions = 1;
  int64_t gates = 1;
  bool batch_major = false;  // layout = 1
  bool reverse_only = false;
  std::optional<double> clip;
  bool input_forget = false;
  bool linear_before_reset = false;
  std::vector<int64_t> sequence_lengths;
  std::vector<Activation> activations;
  const HostTensor* x = nullptr;
  const HostTensor* w = nullptr;
  const HostTensor* r = nullptr;
  const HostTensor* b = nullptr;
  const HostTensor* initial_h = nullptr;
  const HostTensor* initial_c = nullptr;
  const HostTensor* peepholes = nullptr;

  // Flat index of [direction, batch, j] in an initial_h / Y_h shaped tensor.
  int64_t StateIndex(int64_t direction, int64_t batch_index, int64_t j) const {
    return batch_major ? (batch_index * directions + direction) * hidden + j
                       : (direction * batch + batch_index) * hidden + j;
  }
  // Flat index of [t, direction, batch, j] in Y.
  int64_t OutputIndex(int64_t t, int64_t direction, int64_t batch_index, int64_t j) const {
    return batch_major ? ((batch_index * sequence + t) * directions + direction) * hidden + j
                       : ((t * directions + direction) * batch + batch_index) * hidden + j;
  }
  // First element of X[t, batch].
  const double* InputRow(int64_t t, int64_t batch_index) const {
    return &x->values[(batch_major ? batch_index * sequence + t : t * batch + batch_index) *
                      input_size];
  }
};

absl::Status CheckDims(const OpCall& call, const HostTensor* tensor, const char* name,
                       const std::vector<int64_t>& expected) {
  if (tensor != nullptr && tensor->dims != expected) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": input ", name,
                                                   " must have dims ", DimsToString(expected),
                                                   ", found ", DimsToString(tensor->dims)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Recurrence> ParseRecurrence(const OpCall& call, CellKind kind) {
  Recurrence rec;
  rec.kind = kind;
  rec.gates = GateCount(kind);
  ASSIGN_OR_RETURN(rec.x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(rec.w, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(rec.r, RequiredInput(call, 2));
  rec.b = OptionalInput(call, 3);
  const HostTensor* lengths = OptionalInput(call, 4);
  rec.initial_h = OptionalInput(call, 5);
  if (kind == CellKind::kLstm) {
    rec.initial_c = OptionalInput(call, 6);
    rec.peepholes = OptionalInput(call, 7);
  }

  const std::string direction = StringAttribute(call.node, "direction", "forward");
  if (direction == "bidirectional") {
    rec.directions = 2;
  } else if (direction == "reverse") {
    rec.reverse_only = true;
  } else if (direction != "forward") {
    return UnsupportedAttribute(call.node, "direction", direction,
                                "use forward, reverse or bidirectional");
  }
  rec.batch_major = IntAttribute(call.node, "layout", 0) != 0;
  if (rec.x->dims.size() != 3 || rec.w->dims.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": X and W must have rank 3, found ", DimsToString(rec.x->dims), " and ",
        DimsToString(rec.w->dims)));
  }
  rec.sequence = rec.x->dims[rec.batch_major ? 1 : 0];
  rec.batch = rec.x->dims[rec.batch_major ? 0 : 1];
  rec.input_size = rec.x->dims[2];
  rec.hidden = IntAttribute(call.node, "hidden_size", rec.w->dims[1] / rec.gates);
  const int64_t rows = rec.gates * rec.hidden;
  RETURN_IF_ERROR(CheckDims(call, rec.w, "W", {rec.directions, rows, rec.input_size}));
  RETURN_IF_ERROR(CheckDims(call, rec.r, "R", {rec.directions, rows, rec.hidden}));
  RETURN_IF_ERROR(CheckDims(call, rec.b, "B", {rec.directions, 2 * rows}));
  RETURN_IF_ERROR(CheckDims(call, lengths, "sequence_lens", {rec.batch}));
  const std::vector<int64_t> state_dims =
      rec.batch_major ? std::vector<int64_t>{rec.batch, rec.directions, rec.hidden}
                      : std::vector<int64_t>{rec.directions, rec.batch, rec.hidden};
  RETURN_IF_ERROR(CheckDims(call, rec.initial_h, "initial_h", state_dims));
  RETURN_IF_ERROR(CheckDims(call, rec.initial_c, "initial_c", state_dims));
  RETURN_IF_ERROR(CheckDims(call, rec.peepholes, "P", {rec.directions, 3 * rec.hidden}));

  rec.sequence_lengths.assign(rec.batch, rec.sequence);
  if (lengths != nullptr) {
    rec.sequence_lengths = ToInt64Vector(*lengths);
    for (const int64_t length : rec.sequence_lengths) {
      if (length < 0 || length > rec.sequence) {
        return absl::InvalidArgumentError(absl::StrCat(
            call.label, ": sequence_lens value ", length, " is outside [0, ", rec.sequence,
            "]"));
      }
    }
  }
  if (const onnx::AttributeProto* clip = FindAttribute(call.node, "clip")) {
    rec.clip = clip->f();
  }
  rec.input_forget = IntAttribute(call.node, "input_forget", 0) != 0;
  rec.linear_before_reset = IntAttribute(call.node, "linear_before_reset", 0) != 0;
  ASSIGN_OR_RETURN(rec.activations, ParseActivations(call, kind, rec.directions));
  return rec;
}

// Per-step buffers of one direction and batch entry.
struct CellState {
  std::vector<double> h;
  std::vector<double> c;
  std::vector<double> x_gates;  // W x + Wb, gates * hidden
  std::vector<double> h_gates;  // R h + Rb, gates * hidden
};

// `rows` x `columns` matrix at `matrix` times `vector`, plus `bias` (may be null).
void MultiplyAdd(const double* matrix, const double* vector, const double* bias, int64_t rows,
                 int64_t columns, double* out) {
  for (int64_t row = 0; row < rows; ++row) {
    double sum = bias != nullptr ? bias[row] : 0.0;
    const double* weights = &matrix[row * columns];
    for (int64_t column = 0; column < columns; ++column) sum += weights[column] * vector[column];
    out[row] = sum;
  }
}

// Advances `state` by one time step of direction `direction`.
void Step(const Recurrence& rec, int64_t direction, const double* input, CellState& state) {
  const int64_t hidden = rec.hidden;
  const int64_t rows = rec.gates * hidden;
  const double* w = &rec.w->values[direction * rows * rec.input_size];
  const double* r = &rec.r->values[direction * rows * hidden];
  const double* wb = rec.b != nullptr ? &rec.b->values[direction * 2 * rows] : nullptr;
  const double* rb = wb != nullptr ? wb + rows : nullptr;
  const Activation* activations =
      &rec.activations[direction * (rec.activations.size() / rec.directions)];
  auto clip = [&rec](double value) {
    return rec.clip.has_value() ? std::clamp(value, -*rec.clip, *rec.clip) : value;
  };
  MultiplyAdd(w, input, wb, rows, rec.input_size, state.x_gates.data());
  MultiplyAdd(r, state.h.data(), rb, rows, hidden, state.h_gates.data());
  const double* x_gates = state.x_gates.data();
  const double* h_gates = state.h_gates.data();

  if (rec.kind == CellKind::kRnn) {
    for (int64_t j = 0; j < hidden; ++j) {
      state.h[j] = activations[0].Apply(clip(x_gates[j] + h_gates[j]));
    }
    return;
  }

  if (rec.kind == CellKind::kGru) {
    // Gate order z, r, h. Without linear_before_reset the h gate is R_h (r . h) + Rb_h.
    std::vector<double> reset(hidden);
    std::vector<double> update(hidden);
    for (int64_t j = 0; j < hidden; ++j) {
      update[j] = activations[0].Apply(clip(x_gates[j] + h_gates[j]));
      reset[j] = activations[0].Apply(clip(x_gates[hidden + j] + h_gates[hidden + j]));
    }
    std::vector<double> candidate(hidden);
    if (rec.linear_before_reset) {
      for (int64_t j = 0; j < hidden; ++j) {
        candidate[j] = x_gates[2 * hidden + j] + reset[j] * h_gates[2 * hidden + j];
      }
    } else {
      std::vector<double> reset_h(hidden);
      for (int64_t j = 0; j < hidden; ++j) reset_h[j] = reset[j] * state.h[j];
      MultiplyAdd(&r[2 * hidden * hidden], reset_h.data(),
                  rb != nullptr ? rb + 2 * hidden : nullptr, hidden, hidden, candidate.data());
      for (int64_t j = 0; j < hidden; ++j) candidate[j] += x_gates[2 * hidden + j];
    }
    for (int64_t j = 0; j < hidden; ++j) {
      const double h_tilde = activations[1].Apply(clip(candidate[j]));
      state.h[j] = (1.0 - update[j]) * h_tilde + update[j] * state.h[j];
    }
    return;
  }

  // LSTM, gate order i, o, f, c; peepholes P are ordered i, o, f.
  const double* p =
      rec.peepholes != nullptr ? &rec.peepholes->values[direction * 3 * hidden] : nullptr;
  for (int64_t j = 0; j < hidden; ++j) {
    const double previous_c = state.c[j];
    const double peep_i = p != nullptr ? p[j] * previous_c : 0.0;
    const double peep_f = p != nullptr ? p[2 * hidden + j] * previous_c : 0.0;
    const double input_gate = activations[0].Apply(clip(x_gates[j] + h_gates[j] + peep_i));
    double forget_gate = activations[0].Apply(
        clip(x_gates[2 * hidden + j] + h_gates[2 * hidden + j] + peep_f));
    if (rec.input_forget) forget_gate = 1.0 - input_gate;
    const double cell_gate =
        activations[1].Apply(clip(x_gates[3 * hidden + j] + h_gates[3 * hidden + j]));
    const double c = forget_gate * previous_c + input_gate * cell_gate;
    const double peep_o = p != nullptr ? p[hidden + j] * c : 0.0;
    const double output_gate =
        activations[0].Apply(clip(x_gates[hidden + j] + h_gates[hidden + j] + peep_o));
    state.c[j] = c;
    state.h[j] = output_gate * activations[2].Apply(c);
  }
}

absl::StatusOr<std::vector<HostTensor>> RunRecurrent(const OpCall& call, CellKind kind) {
  ASSIGN_OR_RETURN(const Recurrence rec, ParseRecurrence(call, kind));
  const int32_t elem_type = rec.x->elem_type;
  const std::vector<int64_t> y_dims =
      rec.batch_major
          ? std::vector<int64_t>{rec.batch, rec.sequence, rec.directions, rec.hidden}
          : std::vector<int64_t>{rec.sequence, rec.directions, rec.batch, rec.hidden};
  const std::vector<int64_t> state_dims =
      rec.batch_major ? std::vector<int64_t>{rec.batch, rec.directions, rec.hidden}
                      : std::vector<int64_t>{rec.directions, rec.batch, rec.hidden};
  HostTensor y = MakeTensor(elem_type, y_dims);
  HostTensor y_h = MakeTensor(elem_type, state_dims);
  HostTensor y_c = MakeTensor(elem_type, state_dims);

  CellState state;
  state.h.resize(rec.hidden);
  state.c.resize(rec.hidden);
  state.x_gates.resize(rec.gates * rec.hidden);
  state.h_gates.resize(rec.gates * rec.hidden);
  for (int64_t direction = 0; direction < rec.directions; ++direction) {
    const bool reverse = rec.reverse_only || direction == 1;
    for (int64_t b = 0; b < rec.batch; ++b) {
      for (int64_t j = 0; j < rec.hidden; ++j) {
        const int64_t index = rec.StateIndex(direction, b, j);
        state.h[j] = rec.initial_h != nullptr ? rec.initial_h->values[index] : 0.0;
        state.c[j] = rec.initial_c != nullptr ? rec.initial_c->values[index] : 0.0;
      }
      const int64_t length = rec.sequence_lengths[b];
      for (int64_t step = 0; step < length; ++step) {
        const int64_t t = reverse ? length - 1 - step : step;
        Step(rec, direction, rec.InputRow(t, b), state);
        for (int64_t j = 0; j < rec.hidden; ++j) {
          y.values[rec.OutputIndex(t, direction, b, j)] = state.h[j];
        }
      }
      for (int64_t j = 0; j < rec.hidden; ++j) {
        y_h.values[rec.StateIndex(direction, b, j)] = state.h[j];
        y_c.values[rec.StateIndex(direction, b, j)] = state.c[j];
      }
    }
  }
  RoundTensor(y);
  RoundTensor(y_h);
  RoundTensor(y_c);

  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(y));
  if (call.node.output_size() > 1) outputs.push_back(std::move(y_h));
  if (kind == CellKind::kLstm && call.node.output_size() > 2) outputs.push_back(std::move(y_c));
  return outputs;
}

absl::StatusOr<std::vector<HostTensor>> RunLstm(const OpCall& call) {
  return RunRecurrent(call, CellKind::kLstm);
}
absl::StatusOr<std::vector<HostTensor>> RunGru(const OpCall& call) {
  return RunRecurrent(call, CellKind::kGru);
}
absl::StatusOr<std::vector<HostTensor>> RunRnn(const OpCall& call) {
  return RunRecurrent(call, CellKind::kRnn);
}

}  // namespace

void RegisterRecurrentOps(OpTable& table) {
  table["/LSTM"] = {RunLstm, ""};
  table["/GRU"] = {RunGru, ""};
  table["/RNN"] = {RunRnn, ""};
}

}  // namespace soma::onnx_ops
