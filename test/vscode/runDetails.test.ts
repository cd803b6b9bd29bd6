import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { useMlflowServer } from '../support/mlflowServer';
import { copyFixture } from '../support/repoPaths';
import { startHostileMlflowServer } from '../support/hostileMlflowServer';
import { seedTracking } from '../support/seedTracking';
import { runHostSuite } from '../support/workbench';

describe('run details panel in the real extension host', () => {
  it("opens from a run node with the run's data, guards its messages, polls a running run, reports errors, compares with the previous run (runDetails.host)", async () => {
    const { url } = await useMlflowServer();
    const seeded = await seedTracking(url, 'host-details');
    const client = new MlflowRestClient({ baseUrl: url });
    await client.setTag(seeded.parentRunId, 'mlflow.source.git.repoURL', 'https://github.com/acme/churn.git');
    await client.setTag(seeded.parentRunId, 'mlflow.source.git.commit', '0123456789abcdef0123456789abcdef01234567');
    // Every run's artifacts at one proxied location, whatever the run id: the bytes come back for any id.
    const hostile = await startHostileMlflowServer({ artifactUri: () => 'mlflow-artifacts:/0/hostile-run/artifacts' });
    try {
      await runHostSuite('runDetails.host.js', {
        workspace: copyFixture('example-project'),
        settings: {
          'mlflow.trackingUri': url,
          'mlflow.connections': [
            { name: 'down', trackingUri: 'http://127.0.0.1:9' },
            { name: 'hostile', trackingUri: hostile.url },
          ],
        },
        env: { MLFLOW_WB_DETAILS_EXPERIMENT: seeded.experimentName, MLFLOW_WB_DETAILS_MODEL: seeded.modelName, MLFLOW_WB_HOSTILE_URL: hostile.url },
      });
      assert.ok(!hostile.requests.some((r) => r.url.includes('summary.txt')), 'refused before the server was asked for the bytes');
    } finally {
      await hostile.stop();
    }
  });
});
