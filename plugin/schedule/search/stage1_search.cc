// stage1_search.cc: the Stage-1 annealing loop and the default-timing evaluation of plans.
#include "schedule/search/stage1_search.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "schedule/search/annealer.h"
#include "schedule/search/editable_plan.h"
#include "soma/status_macros.h"

namespace soma::schedule {

std::optional<Metrics> FusionEvaluator::Evaluate(const FusionPlan& plan, int64_t capacity_bytes) {
  absl::StatusOr<TilingModel> model = Build(plan);
  if (!model.ok()) return std::nullopt;
  Evaluator evaluator(*model);
  const EvaluationResult& result = evaluator.Evaluate(model->DefaultDramPlan(), capacity_bytes);
  if (!result.ok()) return std::nullopt;
  return result.metrics;
}

absl::StatusOr<Stage1Result> RunStage1(const Stage1Moves& moves, FusionEvaluator& evaluator,
                                       const FusionPlan& start, const Stage1Options& options,
                                       SearchRandom& random, ProgressReporter* progress) {
  // Step 1: the start must fit.
  ASSIGN_OR_RETURN(const TilingModel start_model, evaluator.Build(start));
  Evaluator start_evaluator(start_model);
  ASSIGN_OR_RETURN(
      const Metrics start_metrics,
      start_evaluator.EvaluateOrError(start_model.DefaultDramPlan(), options.capacity_bytes));
  struct Improvement {
    EditablePlan plan;
    Metrics metrics;
    double cost = 0;
  };
  Improvement best{EditablePlan::FromPlan(start_model.plan()), start_metrics,
                   EnergyDelayProduct(start_metrics)};
  EditablePlan current = best.plan;
  double current_cost = best.cost;
  Stage1Result result;

  // Step 2: anneal until the rounds or the work run out.
  const auto progress_of = [&](int64_t round) {
    double done =
        static_cast<double>(round) / static_cast<double>(std::max<int64_t>(1, options.rounds));
    if (options.work_budget > 0) {
      done = std::max(done,
                      static_cast<double>(result.work) / static_cast<double>(options.work_budget));
    }
    return done;
  };
  bool reset_done = false;
  int64_t round = 0;
  for (; round < options.rounds; ++round) {
    const double done = progress_of(round);
    if (done >= 1.0) break;
    if (options.deadline.Passed()) {
      result.stopped_by_deadline = true;
      break;
    }
    if (round % kRoundsPerProgressCheck == 0 && round > 0 && progress != nullptr) {
      progress->Periodic([&] {
        return absl::StrCat(options.label, ": round ", round, "/", options.rounds,
                            ", best latency ", best.metrics.latency_cycles, " cycles, best EDP ",
                            best.cost, " pJ*cycles");
      });
    }
    if (!reset_done && done >= kResetToBestFraction) {
      reset_done = true;
      current = best.plan;
      current_cost = best.cost;
    }
    EditablePlan candidate = current;
    if (!moves.Apply(moves.PickKind(random), random, &candidate)) continue;
    ++result.moves_applied;
    const FusionPlan plan = candidate.ToPlan();
    result.work += PositionCountOf(candidate);
    const std::optional<Metrics> metrics = evaluator.Evaluate(plan, options.capacity_bytes);
    if (!metrics) continue;
    const double cost = EnergyDelayProduct(*metrics);
    const bool accept = cost < current_cost || AcceptWorse((cost - current_cost) / current_cost,
                                                           AnnealingTemperature(done), random);
    if (!accept) continue;
    ++result.moves_accepted;
    current = std::move(candidate);
    current_cost = cost;
    if (cost < best.cost) {
      if (options.accept_best && !options.accept_best(plan, *metrics)) {
        ++result.rejected_bests;
        continue;
      }
      best = {current, *metrics, cost};
    }
  }
  result.rounds_run = round;

  result.best_plan = best.plan.ToPlan();
  result.best_metrics = best.metrics;
  result.best_cost = best.cost;
  return result;
}

}  // namespace soma::schedule
