import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fixturesDir, makeTempDir, venvPython } from './repoPaths';

/** What test/fixtures/serving/log_diabetes_model.py logged, and what the model predicts in Python. */
export interface LoggedDiabetesModel {
  run_id: string;
  model_id: string;
  columns: string[];
  rows: number[][];
  expected_example: number[];
  expected_rows: number[];
}

const LOG_TIMEOUT_MS = 300_000;

/** Logs a real scikit-learn model (with an input example) through the tracking server at `trackingUri`. */
export function logDiabetesModel(trackingUri: string, experiment: string): Promise<LoggedDiabetesModel> {
  return new Promise((resolve, reject) => {
    execFile(
      venvPython,
      [path.join(fixturesDir, 'serving', 'log_diabetes_model.py'), experiment],
      // Importing mlflow and scikit-learn and logging the model takes minutes on a loaded machine.
      {
        env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
        cwd: makeTempDir('serving-log'),
        timeout: LOG_TIMEOUT_MS,
      },
      (err, stdout, stderr) => {
        const killed = err?.killed ? ` (stopped after ${LOG_TIMEOUT_MS / 1000} s)` : '';
        if (err) return reject(new Error(`Logging the model failed${killed}: ${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as LoggedDiabetesModel);
      },
    );
  });
}

/** MLflow answers {"predictions": [...]} for pyfunc models: they must match Python's within 1e-6. */
export function assertPredictionsClose(actual: unknown, expected: number[]): void {
  const predictions = (actual as { predictions: number[] }).predictions;
  assert.ok(Array.isArray(predictions), `no predictions in ${JSON.stringify(actual)}`);
  assert.equal(predictions.length, expected.length);
  predictions.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-6, `prediction ${i}: ${p} vs ${expected[i]}`));
}
