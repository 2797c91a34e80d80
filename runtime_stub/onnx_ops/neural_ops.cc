// neural_ops.cc: matrix operators (MatMul, Gemm, Einsum) and LRN. RegisterNeuralOps also
// registers the convolutions (neural_conv.cc) and the pools (neural_pool.cc).
//
// Products accumulate in double and round to the output element type once at the end.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/shape_common.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

// C[m, n] += sum_k A[m, k] * B[k, n] for row-major A (M x K), B (K x N), C (M x N).
void MultiplyAccumulate(const double* a, const double* b, double* c, int64_t m_size,
                        int64_t k_size, int64_t n_size) {
  for (int64_t m = 0; m < m_size; ++m) {
    double* c_row = c + m * n_size;
    for (int64_t k = 0; k < k_size; ++k) {
      const double a_value = a[m * k_size + k];
      const double* b_row = b + k * n_size;
      for (int64_t n = 0; n < n_size; ++n) c_row[n] += a_value * b_row[n];
    }
  }
}

Outputs RunMatMul(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* b, RequiredInput(call, 1));
  if (a->dims.empty() || b->dims.empty()) {
    return InvalidNodeArgument(call, "operands must have rank 1 or more, found a scalar");
  }
  // 1-D operands become matrices ([K] -> [1, K] for A, [K, 1] for B) and lose that axis
  // again in the output.
  std::vector<int64_t> a_dims = a->dims;
  std::vector<int64_t> b_dims = b->dims;
  if (a_dims.size() == 1) a_dims.insert(a_dims.begin(), 1);
  if (b_dims.size() == 1) b_dims.push_back(1);
  const int64_t m_size = a_dims[a_dims.size() - 2];
  const int64_t k_size = a_dims.back();
  const int64_t n_size = b_dims.back();
  if (b_dims[b_dims.size() - 2] != k_size) {
    return InvalidNodeArgument(call, absl::StrCat("inner dims differ: A ", DimsToString(a->dims),
                                                  " and B ", DimsToString(b->dims)));
  }
  const std::vector<int64_t> a_batch(a_dims.begin(), a_dims.end() - 2);
  const std::vector<int64_t> b_batch(b_dims.begin(), b_dims.end() - 2);
  ASSIGN_OR_RETURN(const std::vector<int64_t> batch, BroadcastDims(a_batch, b_batch, call.label));

  std::vector<int64_t> out_dims = batch;
  if (a->dims.size() > 1) out_dims.push_back(m_size);
  if (b->dims.size() > 1) out_dims.push_back(n_size);
  HostTensor output = MakeTensor(a->elem_type, out_dims);
  const int64_t batch_count = DimsProduct(batch);
  BroadcastCursor a_cursor(a_batch, batch);
  BroadcastCursor b_cursor(b_batch, batch);
  for (int64_t batch_index = 0; batch_index < batch_count; ++batch_index) {
    MultiplyAccumulate(a->values.data() + a_cursor.offset() * m_size * k_size,
                       b->values.data() + b_cursor.offset() * k_size * n_size,
                       output.values.data() + batch_index * m_size * n_size, m_size, k_size,
                       n_size);
    a_cursor.Advance();
    b_cursor.Advance();
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

// A row-major copy of the 2-D `tensor`, transposed when `transpose`.
std::vector<double> MaybeTransposed(const HostTensor& tensor, bool transpose) {
  if (!transpose) return tensor.values;
  const int64_t rows = tensor.dims[0];
  const int64_t cols = tensor.dims[1];
  std::vector<double> result(tensor.values.size());
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t col = 0; col < cols; ++col) result[col * rows + row] = tensor.values[row * cols + col];
  }
  return result;
}

Outputs RunGemm(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* b, RequiredInput(call, 1));
  const HostTensor* c = OptionalInput(call, 2);
  if (a->dims.size() != 2 || b->dims.size() != 2) {
    return InvalidNodeArgument(call, absl::StrCat("A and B must be 2-D, found ",
                                                  DimsToString(a->dims), " and ",
                                                  DimsToString(b->dims)));
  }
  const bool trans_a = IntAttribute(call.node, "transA", 0) != 0;
  const bool trans_b = IntAttribute(call.node, "transB", 0) != 0;
  const double alpha = FloatAttribute(call.node, "alpha", 1.0f);
  const double beta = FloatAttribute(call.node, "beta", 1.0f);
  const int64_t m_size = trans_a ? a->dims[1] : a->dims[0];
  const int64_t k_size = trans_a ? a->dims[0] : a->dims[1];
  const int64_t n_size = trans_b ? b->dims[0] : b->dims[1];
  if ((trans_b ? b->dims[1] : b->dims[0]) != k_size) {
    return InvalidNodeArgument(call, absl::StrCat("inner dims differ: A ", DimsToString(a->dims),
                                                  " (transA ", trans_a, ") and B ",
                                                  DimsToString(b->dims), " (transB ", trans_b,
                                                  ")"));
  }
  const std::vector<double> a_values = MaybeTransposed(*a, trans_a);
  const std::vector<double> b_values = MaybeTransposed(*b, trans_b);
  HostTensor output = MakeTensor(a->elem_type, {m_size, n_size});
  MultiplyAccumulate(a_values.data(), b_values.data(), output.values.data(), m_size, k_size,
                     n_size);
  for (double& value : output.values) value *= alpha;
  if (c != nullptr && beta != 0.0) {
    ASSIGN_OR_RETURN(const std::vector<int64_t> dims,
                     BroadcastDims(c->dims, output.dims, call.label));
    if (dims != output.dims) {
      return InvalidNodeArgument(call, absl::StrCat("C of dims ", DimsToString(c->dims),
                                                    " does not broadcast to the output ",
                                                    DimsToString(output.dims)));
    }
    BroadcastCursor cursor(c->dims, output.dims);
    for (double& value : output.values) {
      value += beta * c->values[cursor.offset()];
      cursor.Advance();
    }
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

// One operand or the output of an Einsum equation: a label per axis. Labels are letters;
// the axes of an ellipsis get labels 256 and up, right-aligned over all operands.
using EinsumTerm = std::vector<int>;

absl::StatusOr<EinsumTerm> ParseEinsumTerm(const OpCall& call, const std::string& text,
                                           int64_t rank, int64_t ellipsis_rank) {
  EinsumTerm term;
  for (size_t i = 0; i < text.size(); ++i) {
    const char symbol = text[i];
    if (symbol == '.') {
      if (text.compare(i, 3, "...") != 0) break;
      const int64_t own = rank < 0 ? ellipsis_rank
                                   : rank - static_cast<int64_t>(text.size() - 3);
      for (int64_t axis = ellipsis_rank - own; axis < ellipsis_rank; ++axis) {
        term.push_back(256 + static_cast<int>(axis));
      }
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(symbol))) {
      term.push_back(symbol);
    } else if (symbol != ' ') {
      break;
    }
  }
  if (rank >= 0 && static_cast<int64_t>(term.size()) != rank) {
    return InvalidNodeArgument(call, absl::StrCat("einsum term '", text, "' does not match ",
                                                  "an operand of rank ", rank));
  }
  return term;
}

Outputs RunEinsum(const OpCall& call) {
  std::string equation = StringAttribute(call.node, "equation", "");
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<std::string> term_texts;
  for (size_t begin = 0;;) {
    const size_t comma = lhs.find(',', begin);
    term_texts.push_back(lhs.substr(begin, comma - begin));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  if (term_texts.size() != call.inputs.size()) {
    return InvalidNodeArgument(call, absl::StrCat("equation '", equation, "' has ",
                                                  term_texts.size(), " operands but the node has ",
                                                  call.inputs.size(), " inputs"));
  }
  // Step 1: label every operand axis and find each label's dim.
  int64_t ellipsis_rank = 0;
  for (size_t i = 0; i < term_texts.size(); ++i) {
    ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, i));
    if (term_texts[i].find("...") != std::string::npos) {
      ellipsis_rank = std::max<int64_t>(
          ellipsis_rank, static_cast<int64_t>(input->dims.size() + 3 - term_texts[i].size()));
    }
  }
  std::vector<EinsumTerm> terms;
  std::map<int, int64_t> label_dims;
  std::map<int, int> label_uses;
  for (size_t i = 0; i < term_texts.size(); ++i) {
    const HostTensor* input = call.inputs[i];
    ASSIGN_OR_RETURN(EinsumTerm term, ParseEinsumTerm(call, term_texts[i],
                                                      static_cast<int64_t>(input->dims.size()),
                                                      ellipsis_rank));
    for (size_t axis = 0; axis < term.size(); ++axis) {
      int64_t& dim = label_dims.try_emplace(term[axis], 1).first->second;
      if (dim != 1 && input->dims[axis] != 1 && dim != input->dims[axis]) {
        return InvalidNodeArgument(call, absl::StrCat("label dims disagree in equation '",
                                                      equation, "': ", dim, " vs ",
                                                      input->dims[axis]));
      }
      dim = std::max(dim, input->dims[axis]);
      ++label_uses[term[axis]];
    }
    terms.push_back(std::move(term));
  }
  // Step 2: the output labels, explicit or (implicit form) ellipsis then single-use letters.
  EinsumTerm output_term;
  if (arrow != std::string::npos) {
    ASSIGN_OR_RETURN(output_term,
                     ParseEinsumTerm(call, equation.substr(arrow + 2), -1, ellipsis_rank));
  } else {
    for (int axis = 0; axis < ellipsis_rank; ++axis) output_term.push_back(256 + axis);
    for (const auto& [label, uses] : label_uses) {
      if (label < 256 && uses == 1) output_term.push_back(label);
    }
  }
  // Step 3: loop over output labels then summed labels; each operand reads at the sum of
  // its axis strides (0 on broadcast axes).
  std::vector<int> loop_labels = output_term;
  for (const auto& [label, dim] : label_dims) {
    if (std::find(output_term.begin(), output_term.end(), label) == output_term.end()) {
      loop_labels.push_back(label);
    }
  }
  std::vector<int64_t> loop_dims;
  for (const int label : loop_labels) loop_dims.push_back(label_dims[label]);
  std::vector<std::vector<int64_t>> operand_strides(terms.size(),
                                                    std::vector<int64_t>(loop_labels.size(), 0));
  for (size_t i = 0; i < terms.size(); ++i) {
    const std::vector<int64_t> strides = RowMajorStrides(call.inputs[i]->dims);
    for (size_t axis = 0; axis < terms[i].size(); ++axis) {
      if (call.inputs[i]->dims[axis] == 1) continue;
      const size_t loop_axis =
          std::find(loop_labels.begin(), loop_labels.end(), terms[i][axis]) - loop_labels.begin();
      operand_strides[i][loop_axis] += strides[axis];
    }
  }
  std::vector<int64_t> out_dims(loop_dims.begin(), loop_dims.begin() + output_term.size());
  HostTensor output = MakeTensor(call.inputs[0]->elem_type, out_dims);
  const int64_t sum_count = DimsProduct(
      std::vector<int64_t>(loop_dims.begin() + output_term.size(), loop_dims.end()));
  std::vector<int64_t> index(loop_dims.size(), 0);
  const int64_t total = DimsProduct(loop_dims);
  for (int64_t flat = 0; flat < total; ++flat) {
    double product = 1.0;
    for (size_t i = 0; i < terms.size(); ++i) {
      int64_t offset = 0;
      for (size_t axis = 0; axis < index.size(); ++axis) {
        offset += index[axis] * operand_strides[i][axis];
      }
      product *= call.inputs[i]->values[offset];
    }
    output.values[flat / std::max<int64_t>(sum_count, 1)] += product;
    NextIndex(index, loop_dims);
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunLrn(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  const double alpha = FloatAttribute(call.node, "alpha", 0.0001f);
  const double beta = FloatAttribute(call.node, "beta", 0.75f);
  const double bias = FloatAttribute(call.node, "bias", 1.0f);
  const int64_t size = IntAttribute(call.node, "size", 0);
  if (x->dims.size() < 2 || size <= 0) {
    return InvalidNodeArgument(call, absl::StrCat("needs input of rank 2 or more and a positive ",
                                                  "size; found dims ", DimsToString(x->dims),
                                                  " and size ", size));
  }
  const AxisSplit split = SplitAtAxis(x->dims, 1);
  const int64_t before = (size - 1) / 2;
  const int64_t after = size - 1 - before;
  HostTensor output = MakeTensor(x->elem_type, x->dims);
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t channel = 0; channel < split.axis; ++channel) {
      const int64_t first = std::max<int64_t>(channel - before, 0);
      const int64_t last = std::min<int64_t>(channel + after, split.axis - 1);
      for (int64_t inner = 0; inner < split.inner; ++inner) {
        double square_sum = 0.0;
        for (int64_t other = first; other <= last; ++other) {
          const double value = x->values[(outer * split.axis + other) * split.inner + inner];
          square_sum += value * value;
        }
        const int64_t flat = (outer * split.axis + channel) * split.inner + inner;
        output.values[flat] =
            x->values[flat] / std::pow(bias + alpha / static_cast<double>(size) * square_sum, beta);
      }
    }
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

}  // namespace

void RegisterNeuralOps(OpTable& table) {
  table["/MatMul"] = {RunMatMul, ""};
  table["/Gemm"] = {RunGemm, ""};
  table["/Einsum"] = {RunEinsum, ""};
  table["/LRN"] = {RunLrn, ""};
  RegisterNeuralConvOps(table);
  RegisterNeuralPoolOps(table);
}

}  // namespace soma::onnx_ops
