// The checks of what every panel's run shapes have in common (the compare panel's runs, the runs
// table's rows, the run details' overview): one set of limits, so the panels cannot disagree on them.
import { num, optional, str } from './contractChecks';

/** A run's id (MLflow's are 32 hex digits; Databricks' the same). */
export const runIdCheck = str(200);

/** Fields of every run shape: id, experiment, status and the start and end times (ms since the epoch). */
export const runFields = {
  runId: runIdCheck,
  experimentId: str(200),
  status: str(50),
  startTime: optional(num),
  endTime: optional(num),
};
