import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateFromRunDetails, validateRunDetailsState, validateToRunDetails } from '../../../webview/contract';

const details = {
  overview: {
    runId: 'r1',
    status: 'FINISHED',
    lifecycleStage: 'active',
    experimentId: '1',
    gitHost: 'github',
    gitCommitUrl: 'https://github.com/a/b/commit/abc1234',
  },
  params: [{ key: 'lr', value: '0.1' }],
  metrics: [
    {
      key: 'loss',
      latest: null,
      latestText: 'NaN',
      step: 3,
      timestamp: 1,
      min: 0.1,
      max: 2,
      exact: true,
      history: [
        [0, 1, 2],
        [1, 2, null],
      ],
    },
  ],
  tags: [],
  systemTags: [{ key: 'mlflow.user', value: 'jane' }],
  artifacts: [{ path: 'model', is_dir: true }],
  modelVersions: [{ name: 'm', version: '1', stage: 'Staging', aliases: ['champion'] }],
  problems: [{ section: 'artifacts', message: 'denied' }],
};

describe('run details contract', () => {
  it('accepts the messages both ends send', () => {
    for (const m of [
      { type: 'details', connectionId: 'http://x', connectionLabel: 'x', details, refreshing: false },
      { type: 'loading', what: 'Loading' },
      { type: 'error', message: 'down', retry: true },
      { type: 'artifacts', path: 'model', files: [{ path: 'model/MLmodel', is_dir: false, file_size: 10 }] },
      { type: 'notice', message: 'Copied' },
    ])
      assert.ok(validateToRunDetails(m).ok, JSON.stringify(validateToRunDetails(m)));
    for (const m of [
      { type: 'ready' },
      { type: 'retry' },
      { type: 'openArtifact', path: 'model/MLmodel' },
      { type: 'listArtifacts', path: 'a b/c' },
      { type: 'openCommit' },
      { type: 'compareWithPrevious' },
      { type: 'copy', text: 'x' },
    ]) {
      assert.ok(validateFromRunDetails(m).ok, JSON.stringify(m));
    }
  });

  it('rejects artifact paths that leave the run, and malformed details', () => {
    for (const path of ['../x', 'a/../../b', '/etc/passwd', 'a\\b', '', 'a//b', './a', 'a/\0']) {
      const r = validateFromRunDetails({ type: 'openArtifact', path });
      assert.equal(r.ok, false, path);
      if (!r.ok) assert.match(r.error, /relative artifact path|must be a string/);
    }
    assert.equal(validateFromRunDetails({ type: 'listArtifacts', path: 7 }).ok, false);
    assert.equal(validateFromRunDetails({ type: 'runCommand' }).ok, false);
    const bad = validateToRunDetails({
      type: 'details',
      connectionId: 'c',
      connectionLabel: 'c',
      refreshing: false,
      details: { ...details, overview: { ...details.overview, gitHost: 'sourceforge' } },
    });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.error, /gitHost must be one of/);
    const badMetric = validateToRunDetails({
      type: 'details',
      connectionId: 'c',
      connectionLabel: 'c',
      refreshing: false,
      details: { ...details, metrics: [{ ...details.metrics[0], history: [[0, 1]] }] },
    });
    assert.equal(badMetric.ok, false);
  });

  it('panel state: connection and run id', () => {
    assert.ok(validateRunDetailsState({ connectionId: 'embedded', runId: 'abc' }).ok);
    assert.equal(validateRunDetailsState({ connectionId: 'embedded', runId: '' }).ok, false);
    assert.equal(validateRunDetailsState({ connectionId: 'embedded' }).ok, false);
    assert.equal(validateRunDetailsState(undefined).ok, false);
  });
});
