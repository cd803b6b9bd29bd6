import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyFixture } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';

describe('VS Code extension host', () => {
  it('activates and registers its commands (activation.host)', async () => {
    const log = await runHostSuite('activation.host.js', { workspace: copyFixture('example-project') });
    assert.match(log, /2 passing/);
  });
});
