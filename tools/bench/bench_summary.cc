// bench_summary.cc: pairs cases by network, hardware and batch, and averages their ratios.
#include "bench/bench_summary.h"

#include <algorithm>
#include <map>

namespace soma::bench {

namespace {

using schedule::StrategyKind;

// The results of one comparison key, by strategy.
struct Group {
  std::string model;
  std::map<StrategyKind, const CaseResult*> by_strategy;

  // The result of `strategy` when that case found a schedule and passed its checks.
  const CaseResult* Ok(StrategyKind strategy) const {
    auto found = by_strategy.find(strategy);
    if (found == by_strategy.end() || found->second->status != CaseStatus::kOk) return nullptr;
    return found->second;
  }
};

// Running sum of a PairedMean.
struct Accumulator {
  double sum = 0;
  int count = 0;

  void Add(double value) {
    sum += value;
    ++count;
  }
  PairedMean Mean() const {
    PairedMean mean;
    mean.case_count = count;
    if (count > 0) mean.mean = sum / count;
    return mean;
  }
};

double Speedup(const CaseResult& baseline, const CaseResult& faster) {
  return static_cast<double>(baseline.latency_cycles) / static_cast<double>(faster.latency_cycles);
}

ComparisonSummary SummarizeGroups(const std::string& scope, const std::vector<const Group*>& groups) {
  Accumulator soma_over_cocco;
  Accumulator soma_over_lbl;
  Accumulator cocco_over_lbl;
  Accumulator energy_reduction;
  for (const Group* group : groups) {
    const CaseResult* lbl = group->Ok(StrategyKind::kLayerByLayer);
    const CaseResult* cocco = group->Ok(StrategyKind::kCocco);
    const CaseResult* soma = group->Ok(StrategyKind::kSoma);
    if (soma != nullptr && cocco != nullptr) {
      soma_over_cocco.Add(Speedup(*cocco, *soma));
      if (cocco->energy_pj > 0) energy_reduction.Add(1.0 - soma->energy_pj / cocco->energy_pj);
    }
    if (soma != nullptr && lbl != nullptr) soma_over_lbl.Add(Speedup(*lbl, *soma));
    if (cocco != nullptr && lbl != nullptr) cocco_over_lbl.Add(Speedup(*lbl, *cocco));
  }
  return {scope, soma_over_cocco.Mean(), soma_over_lbl.Mean(), cocco_over_lbl.Mean(),
          energy_reduction.Mean()};
}

}  // namespace

std::vector<ComparisonSummary> Summarize(const std::vector<BenchCase>& cases,
                                         const std::vector<CaseResult>& results) {
  // Step 1: group the cases by comparison key, keeping the order of first appearance.
  std::vector<std::string> keys;
  std::map<std::string, Group> groups;
  std::vector<std::string> models;
  for (size_t index = 0; index < cases.size(); ++index) {
    const std::string key = cases[index].ComparisonKey();
    auto [entry, inserted] = groups.try_emplace(key);
    if (inserted) {
      keys.push_back(key);
      entry->second.model = cases[index].model;
      if (std::find(models.begin(), models.end(), cases[index].model) == models.end()) {
        models.push_back(cases[index].model);
      }
    }
    entry->second.by_strategy[cases[index].strategy] = &results[index];
  }

  // Step 2: every case, then each network.
  std::vector<const Group*> all;
  for (const std::string& key : keys) all.push_back(&groups.at(key));
  std::vector<ComparisonSummary> summaries = {SummarizeGroups("all", all)};
  for (const std::string& model : models) {
    std::vector<const Group*> of_model;
    for (const Group* group : all) {
      if (group->model == model) of_model.push_back(group);
    }
    summaries.push_back(SummarizeGroups(model, of_model));
  }
  return summaries;
}

}  // namespace soma::bench
