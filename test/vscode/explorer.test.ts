import { describe, it } from 'node:test';
import { useMlflowServer } from '../support/mlflowServer';
import { copyFixture } from '../support/repoPaths';
import { seedTracking } from '../support/seedTracking';
import { runHostSuite } from '../support/workbench';

describe('run explorer in the real extension host', () => {
  it('data, filters and error states against a real server and a dead one (explorer.host)', async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedTracking(url, 'host-explorer');
    await runHostSuite('explorer.host.js', {
      workspace: copyFixture('example-project'),
      settings: { 'mlflow.trackingUri': url, 'mlflow.connections': [{ name: 'down', trackingUri: 'http://127.0.0.1:9' }] },
      env: { MLFLOW_WB_SEEDED_EXPERIMENT: seeded.experimentName },
    });
  });
});
