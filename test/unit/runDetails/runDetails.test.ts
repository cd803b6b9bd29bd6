import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowApiError } from '../../../src/engine/mlflow/mlflowRestClient';
import type { MlflowRun } from '../../../src/engine/mlflow/mlflowTypes';
import { describeRunLoadFailure, overviewOf, RunNotFoundError } from '../../../src/engine/runDetails/runDetails';

function run(info: Partial<MlflowRun['info']>, tags: Record<string, string> = {}): MlflowRun {
  return {
    info: { run_id: 'r1', experiment_id: '7', status: 'FINISHED', lifecycle_stage: 'active', ...info },
    data: { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
  };
}

describe('run details: pure parts', () => {
  it('describeRunLoadFailure: missing run, 401 with what to do, anything else with its first line', () => {
    assert.equal(
      describeRunLoadFailure(new RunNotFoundError('abc'), 'abc', 'prod'),
      'Run abc was not found on prod: it was deleted for good, or it was recorded on another tracking server.',
    );
    const unauthorized = new MlflowApiError(
      'http://h: authentication failed: check the token / username and password for this tracking server (HTTP 401).',
      'UNAUTHENTICATED',
      401,
      'runs/get',
    );
    assert.match(
      describeRunLoadFailure(unauthorized, 'abc', 'prod'),
      /authentication failed.*\(HTTP 401\)\. Set it with "MLflow: Set Token for Tracking Server", then retry\.$/,
    );
    assert.equal(describeRunLoadFailure(new Error('Cannot reach the server\nstack…'), 'abc', 'prod'), 'Could not load run abc: Cannot reach the server');
  });

  it('overviewOf: duration of finished and running runs, user from tags, credentials kept out of the repo URL', () => {
    const finished = overviewOf(
      run({ start_time: 1000, end_time: 61_000 }, { 'mlflow.user': 'jane', 'mlflow.source.git.repoURL': 'https://bob:secret@git.internal/x/y.git' }),
      'exp',
      999_999,
    );
    assert.equal(finished.durationMs, 60_000);
    assert.equal(finished.user, 'jane');
    assert.equal(finished.experimentName, 'exp');
    assert.equal(finished.gitRepoUrl, 'https://git.internal/x/y.git');
    assert.equal(finished.gitCommitUrl, undefined);
    const running = overviewOf(run({ status: 'RUNNING', start_time: 1000, user_id: 'sam' }), undefined, 5000);
    assert.equal(running.durationMs, 4000);
    assert.equal(running.endTime, undefined);
    assert.equal(running.user, 'sam');
    assert.equal(overviewOf(run({ status: 'FAILED', start_time: 1000 }), undefined, 5000).durationMs, undefined);
  });
});
