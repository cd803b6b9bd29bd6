import { describe, it } from 'node:test';
import { copyFixture } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';

describe('launching in the real extension host', () => {
  it('CodeLens on entry points and the mlflow task type (launch.host)', async () => {
    await runHostSuite('launch.host.js', { workspace: copyFixture('example-project') });
  });
});
