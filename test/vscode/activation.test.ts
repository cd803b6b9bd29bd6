import { describe, it } from 'node:test';
import { copyFixture } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';

describe('VS Code extension host', () => {
  it('activates and registers its commands (activation.host)', async () => {
    await runHostSuite('activation.host.js', { workspace: copyFixture('example-project') });
  });
});
