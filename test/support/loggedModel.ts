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

/** Logs a real scikit-learn model (with an input example) through the tracking server at `trackingUri`. */
export function logDiabetesModel(trackingUri: string, experiment: string): Promise<LoggedDiabetesModel> {
  return new Promise((resolve, reject) => {
    execFile(
      venvPython,
      [path.join(fixturesDir, 'serving', 'log_diabetes_model.py'), experiment],
      { env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' }, cwd: makeTempDir('serving-log'), timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`Logging the model failed: ${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as LoggedDiabetesModel);
      },
    );
  });
}
