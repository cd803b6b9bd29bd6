// The compare panel's image listing (and `mlflow-wb runs images`, `runs history`) against runs logged
// by real MLflow: mlflow.log_image with a key and steps (MLflow 3's images/ layout), an image
// artifact, metric histories.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { imageAtStep, imageMime, listRunImages } from '../../src/engine/compare/runImages';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { runBuiltCli } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { repoRoot } from '../support/repoPaths';
import { runVenvPython } from '../support/venvPythonRun';

describe('compare: images logged by real runs', () => {
  let url: string;
  let ids: Record<string, string>;

  before(async () => {
    url = (await useMlflowServer()).url;
    const script = path.join(repoRoot, 'test', 'support', 'logImageRuns.py');
    ids = JSON.parse(await runVenvPython([script, url, uniqueName('compare-images'), 'img-a:0.1:x', 'img-b:0.05:y'])) as Record<string, string>;
  });

  it('lists each logged image (key, step, full and compressed file) and the image artifacts; the bytes are the images', async () => {
    const client = new MlflowRestClient({ baseUrl: url });
    const images = await listRunImages(client, ids['img-a']);
    assert.deepEqual(
      images.logged.map((i) => [i.key, i.step]),
      [
        ['samples', 0],
        ['samples', 5],
        ['samples', 10],
      ],
    );
    for (const i of images.logged) {
      assert.match(i.path, /^images\/samples\+step\+\d+\+timestamp\+\d+\+[0-9a-f-]+\.png$/);
      assert.match(i.compressedPath ?? '', /\+compressed\.webp$/);
    }
    assert.deepEqual(
      images.artifacts.map((a) => a.path),
      ['plots/roc.png'],
    );
    assert.equal(imageAtStep(images.logged, 'samples', 7)?.step, 5);
    const png = await client.downloadArtifact(ids['img-a'], images.logged[0].path);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG');
    const webp = await client.downloadArtifact(ids['img-a'], images.logged[0].compressedPath!);
    assert.equal(webp.subarray(8, 12).toString('latin1'), 'WEBP');
    assert.equal(imageMime(images.logged[0].compressedPath!), 'image/webp');
  });

  it('mlflow-wb runs images: a table per run, --key/--step pick the image shown at a step, --format json', async () => {
    const text = await runBuiltCli(['runs', 'images', '--tracking-uri', url, ids['img-a'], ids['img-b']]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split(/\r?\n/);
    assert.match(lines[0], /^RUN\s+KEY\s+STEP\s+PATH$/);
    assert.equal(lines.filter((l) => l.startsWith(ids['img-b']) && /\ssamples\s/.test(l)).length, 3);
    assert.ok(lines.some((l) => l.startsWith(ids['img-a']) && /\(artifact\)\s+-\s+plots\/roc\.png$/.test(l)));
    const json = await runBuiltCli([
      'runs',
      'images',
      '--tracking-uri',
      url,
      '--key',
      'samples',
      '--step',
      '7',
      '--format',
      'json',
      ids['img-a'],
      ids['img-b'],
    ]);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { runId: string; logged: { key: string; step: number }[] }[];
    assert.deepEqual(
      parsed.map((r) => [r.runId, r.logged.map((i) => `${i.key}@${i.step}`)]),
      [
        [ids['img-a'], ['samples@5']],
        [ids['img-b'], ['samples@5']],
      ],
    );
    const bad = await runBuiltCli(['runs', 'images', '--tracking-uri', url, '--step', 'last', ids['img-a']]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--step must be a whole number, not "last"/);
  });

  it('mlflow-wb runs history: a metric per run and step, or an expression over metrics computed per step', async () => {
    const metric = await runBuiltCli(['runs', 'history', '--tracking-uri', url, '--metric', 'acc', '--format', 'json', ids['img-a']]);
    assert.equal(metric.code, 0, metric.stderr);
    const [acc] = JSON.parse(metric.stdout) as { runId: string; metric: string; steps: number[]; values: number[] }[];
    assert.equal(acc.metric, 'acc');
    assert.equal(acc.steps.length, 120);
    // The logged formula: acc = 1 - exp(-step / 30) / (1 + 10 * lr), lr = 0.1.
    assert.ok(Math.abs(acc.values[30] - (1 - Math.exp(-1) / 2)) < 1e-9, String(acc.values[30]));
    const expr = await runBuiltCli(['runs', 'history', '--tracking-uri', url, '--expr', '"val/loss" - loss', ids['img-a'], ids['img-b']]);
    assert.equal(expr.code, 0, expr.stderr);
    const lines = expr.stdout.trim().split(/\r?\n/);
    assert.match(lines[0], /^RUN\s+STEP\s+"VAL\/LOSS" - LOSS$/);
    // At step 0 both runs' val/loss - loss is (scale + 0.1) - (scale + 0.05).
    for (const id of [ids['img-a'], ids['img-b']]) {
      const row = lines.find((l) => l.startsWith(id) && /\s0\s/.test(l))!;
      assert.ok(Math.abs(Number(row.trim().split(/\s+/).at(-1)) - 0.05) < 1e-9, row);
    }
    const bad = await runBuiltCli(['runs', 'history', '--tracking-uri', url, '--expr', 'loss ^ 2', ids['img-a']]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expr: Use \*\* for a power/);
  });
});
