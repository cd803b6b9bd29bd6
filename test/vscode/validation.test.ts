import { describe, it } from 'node:test';
import { copyFixture } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';

describe('validation in the real extension host', () => {
  it('diagnostics, quick fixes, completion and hover on a broken MLproject (validation.host)', async () => {
    await runHostSuite('validation.host.js', { workspace: copyFixture('broken-project') });
  });
});
