import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { COOKIECUTTER_REQUIREMENT, CookiecutterMissingError } from '../../../src/engine/scaffolding/cookiecutterDriver';
import { repoRoot } from '../../support/repoPaths';

describe('the cookiecutter the product renders with', () => {
  it('is the release python/requirements.txt pins, and the one-click install installs that release', () => {
    const pinned = fs
      .readFileSync(path.join(repoRoot, 'python', 'requirements.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    assert.ok(pinned.includes(COOKIECUTTER_REQUIREMENT), `${COOKIECUTTER_REQUIREMENT} is not in python/requirements.txt`);
    assert.deepEqual(new CookiecutterMissingError('/x/python').installArgs, ['-m', 'pip', 'install', COOKIECUTTER_REQUIREMENT]);
  });
});
