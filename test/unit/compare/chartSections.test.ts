import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { moveKey, nextCardHeight, orderKeys, sectionPrefix, sectionsOf, UNPREFIXED_SECTION } from '../../../webview/compare/chartSections';

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
  it("card order and size: the user's order first, moves swap neighbours, sizes cycle", () => {
    assert.deepEqual(orderKeys(['a', 'b', 'c', 'd'], ['c', 'gone', 'a']), ['c', 'a', 'b', 'd']);
    assert.deepEqual(orderKeys(['a', 'b']), ['a', 'b']);
    assert.deepEqual(moveKey(['a', 'b', 'c'], 'c', -1), ['a', 'c', 'b']);
    assert.deepEqual(moveKey(['a', 'b', 'c'], 'a', -1), ['a', 'b', 'c'], 'first stays first');
    assert.deepEqual(moveKey(['a', 'b', 'c'], 'x', 1), ['a', 'b', 'c']);
    assert.deepEqual(
      [undefined, 300, 450, 200].map((h) => nextCardHeight(h)),
      [450, 450, 200, 300],
    );
  });
});
