import { describe, it } from 'node:test';
import { useMlflowServer } from '../support/mlflowServer';
import { copyFixture } from '../support/repoPaths';
import { seedCompareRuns } from '../support/seedTracking';
import { runHostSuite } from '../support/workbench';

describe('compare panel in the real extension host', () => {
  it('opens from the Runs tree, validates messages, loads histories, flips directions, polls running runs (compare.host)', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedCompareRuns(url, 'host-compare');
    await runHostSuite('compare.host.js', {
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': url },
      env: { MLFLOW_WB_COMPARE_EXPERIMENT: seeded.experimentName, MLFLOW_WB_COMPARE_LIVE_RUN: seeded.liveRunId },
    });
  });
});
