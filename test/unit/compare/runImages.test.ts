import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageAtStep, imageMime, listRunImages, loggedImagesOf, parseLoggedImageName } from '../../../src/engine/compare/runImages';
import type { MlflowFileInfo } from '../../../src/engine/mlflow/mlflowTypes';

const UUID = '0b6c7f1e-52a9-4a51-9f0e-3d1c2b7a9e11';

describe('run images', () => {
  it('parses the file names MLflow 3 writes for log_image (+ separator, / as ~) and the older % / # form', () => {
    assert.deepEqual(parseLoggedImageName(`val~samples+step+12+timestamp+1700000000000+${UUID}.png`), {
      key: 'val/samples',
      step: 12,
      timestamp: 1700000000000,
      id: UUID,
      compressed: false,
    });
    assert.deepEqual(parseLoggedImageName(`digits+step+0+timestamp+5+${UUID}+compressed.webp`), {
      key: 'digits',
      step: 0,
      timestamp: 5,
      id: UUID,
      compressed: true,
    });
    assert.deepEqual(parseLoggedImageName(`a#b%step%3%timestamp%9%${UUID}.png`), { key: 'a/b', step: 3, timestamp: 9, id: UUID, compressed: false });
    assert.equal(parseLoggedImageName('plot.png'), undefined);
    assert.equal(parseLoggedImageName(`x+step+1+timestamp+2+${UUID}.txt`), undefined);
    assert.equal(imageMime('A/B.JPG'), 'image/jpeg');
    assert.equal(imageMime('icon.svg'), undefined);
  });

  it('pairs each logged image with its compressed copy, orders by key then step', () => {
    const f = (name: string, size = 10): MlflowFileInfo => ({ path: `images/${name}`, is_dir: false, file_size: size });
    const images = loggedImagesOf([
      f(`k+step+2+timestamp+20+${UUID}.png`, 100),
      f(`k+step+2+timestamp+20+${UUID}+compressed.webp`, 10),
      f('k+step+1+timestamp+10+u2+compressed.webp', 7),
      f('a+step+5+timestamp+10+u3.png', 50),
      f('notes.txt'),
    ]);
    assert.deepEqual(images, [
      { key: 'a', step: 5, timestamp: 10, path: 'images/a+step+5+timestamp+10+u3.png', size: 50 },
      // Only the compressed file: it stands in for the full one.
      {
        key: 'k',
        step: 1,
        timestamp: 10,
        path: 'images/k+step+1+timestamp+10+u2+compressed.webp',
        size: 7,
        compressedPath: undefined,
        compressedSize: undefined,
      },
      {
        key: 'k',
        step: 2,
        timestamp: 20,
        path: `images/k+step+2+timestamp+20+${UUID}.png`,
        size: 100,
        compressedPath: `images/k+step+2+timestamp+20+${UUID}+compressed.webp`,
        compressedSize: 10,
      },
    ]);
    assert.equal(imageAtStep(images, 'k', 1)?.step, 1);
    assert.equal(imageAtStep(images, 'k', 7)?.step, 2, 'the last image before the step');
    assert.equal(imageAtStep(images, 'k', 0), undefined);
  });

  it('lists images/ and image artifacts breadth first, within the folder budget', async () => {
    const tree: Record<string, MlflowFileInfo[]> = {
      '': [
        { path: 'a', is_dir: true },
        { path: 'images', is_dir: true },
        { path: 'confusion.png', is_dir: false, file_size: 3 },
        { path: 'model', is_dir: true },
      ],
      images: [{ path: 'images/k+step+0+timestamp+1+u.png', is_dir: false }],
      a: [
        { path: 'a/b', is_dir: true },
        { path: 'a/roc.jpg', is_dir: false },
      ],
      'a/b': [
        { path: 'a/b/c', is_dir: true },
        { path: 'a/b/deep.gif', is_dir: false },
      ],
      'a/b/c': [{ path: 'a/b/c/too-deep.png', is_dir: false }],
      model: [{ path: 'model/MLmodel', is_dir: false }],
    };
    const asked: string[] = [];
    const client = {
      async listArtifacts(_runId: string, path?: string) {
        asked.push(path ?? '');
        return { files: tree[path ?? ''] ?? [] };
      },
    };
    const images = await listRunImages(client, 'r1');
    assert.deepEqual(asked, ['', 'images', 'a', 'model', 'a/b']);
    assert.deepEqual(
      images.logged.map((i) => [i.key, i.step]),
      [['k', 0]],
    );
    assert.deepEqual(
      images.artifacts.map((a) => a.path),
      ['a/b/deep.gif', 'a/roc.jpg', 'confusion.png'],
    );
    assert.equal(images.truncated, false);
    const few = await listRunImages(client, 'r1', { maxFolders: 2 });
    assert.equal(few.truncated, true);
    assert.deepEqual(
      few.artifacts.map((a) => a.path),
      ['confusion.png'],
    );
  });
});
