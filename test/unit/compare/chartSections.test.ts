import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sectionPrefix, sectionsOf, UNPREFIXED_SECTION } from '../../../webview/compare/chartSections';

describe('chart sections (metric-name prefix before /)', () => {
  it('groups by the first prefix: unprefixed first, then by first appearance, system last', () => {
    const keys = ['system/cpu', 'train/loss', 'loss', 'val/loss', 'train/acc', 'val/acc/top5', 'lr', 'system/gpu'];
    assert.deepEqual(sectionsOf(keys), [
      { name: UNPREFIXED_SECTION, keys: ['loss', 'lr'] },
      { name: 'train', keys: ['train/loss', 'train/acc'] },
      { name: 'val', keys: ['val/loss', 'val/acc/top5'] },
      { name: 'system', keys: ['system/cpu', 'system/gpu'] },
    ]);
  });

  it('a slash at either end is no prefix; no keys, no sections', () => {
    assert.equal(sectionPrefix('/loss'), undefined);
    assert.equal(sectionPrefix('loss/'), undefined);
    assert.equal(sectionPrefix('a/b'), 'a');
    assert.deepEqual(sectionsOf(['/x', 'y/']), [{ name: UNPREFIXED_SECTION, keys: ['/x', 'y/'] }]);
    assert.deepEqual(sectionsOf([]), []);
  });
});
