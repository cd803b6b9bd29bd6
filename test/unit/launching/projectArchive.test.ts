import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildProjectArchive } from '../../../src/engine/launching/projectArchive';
import { rewriteLibraries, rewriteWheelPlaceholders, type BuiltWheel } from '../../../src/engine/launching/wheelPlaceholders';
import { makeTempDir } from '../../support/repoPaths';

function project(): string {
  const dir = makeTempDir('archive');
  fs.writeFileSync(path.join(dir, 'MLproject'), 'name: p\n');
  fs.mkdirSync(path.join(dir, 'src', 'deep'.repeat(30)), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'deep'.repeat(30), 'long_file_name_' + 'x'.repeat(60) + '.py'), 'print(1)\n');
  fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'mlruns', '0'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'mlruns', '0', 'meta.yaml'), 'x');
  fs.mkdirSync(path.join(dir, '.git'));
  fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  return dir;
}

test('the archive is reproducible, leaves out mlruns/.git, and real tar reads it (long names, modes)', async () => {
  const dir = project();
  const a = await buildProjectArchive(dir);
  fs.utimesSync(path.join(dir, 'MLproject'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const b = await buildProjectArchive(dir);
  assert.equal(a.sha256, b.sha256, 'mtimes do not change the hash');
  const file = path.join(makeTempDir('archive-out'), 'p.tar.gz');
  fs.writeFileSync(file, a.data);
  const listing = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' });
  assert.match(listing, /mlflow-project\/MLproject/);
  assert.match(listing, /-rwxr-xr-x .*mlflow-project\/run\.sh/);
  assert.ok(listing.includes(`mlflow-project/src/${'deep'.repeat(30)}/long_file_name_${'x'.repeat(60)}.py`), listing);
  assert.doesNotMatch(listing, /mlruns|\.git/);
  const out = makeTempDir('archive-x');
  execFileSync('tar', ['-xzf', file, '-C', out]);
  assert.equal(fs.readFileSync(path.join(out, 'mlflow-project', 'src', 'deep'.repeat(30), 'long_file_name_' + 'x'.repeat(60) + '.py'), 'utf8'), 'print(1)\n');
  fs.writeFileSync(path.join(dir, 'MLproject'), 'name: q\n');
  assert.notEqual((await buildProjectArchive(dir)).sha256, a.sha256, 'a changed file changes the hash');
});

test('a transform changes a file inside the archive only', async () => {
  const dir = project();
  const archive = await buildProjectArchive(dir, (rel, content) => (rel === 'MLproject' ? Buffer.from('name: changed\n') : content));
  const out = makeTempDir('archive-t');
  const file = path.join(out, 'p.tar.gz');
  fs.writeFileSync(file, archive.data);
  execFileSync('tar', ['-xzf', file, '-C', out]);
  assert.equal(fs.readFileSync(path.join(out, 'mlflow-project', 'MLproject'), 'utf8'), 'name: changed\n');
  assert.equal(fs.readFileSync(path.join(dir, 'MLproject'), 'utf8'), 'name: p\n');
});

const wheel = (name: string): BuiltWheel => ({
  fileName: `${name}-0.1-py3-none-any.whl`,
  distribution: name,
  data: Buffer.alloc(0),
  sha256: 'ab',
  dbfsUri: `dbfs:/FileStore/wheels/main/ab/${name}-0.1-py3-none-any.whl`,
});

test('wheel placeholders: fuse paths in env files, dbfs URIs in libraries, by distribution name when several', () => {
  const env = 'dependencies:\n  - mlflow\n  - /dbfs/FileStore/wheels/WHEELPATH.whl\n  - "dbfs:/FileStore/wheels/WHEELPATH.whl"\n';
  assert.equal(
    rewriteWheelPlaceholders(env, [wheel('pkg')], 'python_env.yaml'),
    'dependencies:\n  - mlflow\n  - /dbfs/FileStore/wheels/main/ab/pkg-0.1-py3-none-any.whl\n  - "dbfs:/FileStore/wheels/main/ab/pkg-0.1-py3-none-any.whl"\n',
  );
  assert.deepEqual(rewriteLibraries([{ whl: 'dbfs:/FileStore/wheels/WHEELPATH.whl' }, { pypi: { package: 'x' } }], [wheel('pkg')], 'cluster.json'), [
    { whl: 'dbfs:/FileStore/wheels/main/ab/pkg-0.1-py3-none-any.whl' },
    { pypi: { package: 'x' } },
  ]);
  assert.throws(() => rewriteLibraries([{ whl: 'WHEELPATH.whl' }], [wheel('a'), wheel('b')], 'cluster.json'), /could be any of the built wheels/);
  assert.deepEqual(rewriteLibraries([{ whl: 'dbfs:/FileStore/wheels/b-WHEELPATH.whl' }], [wheel('a'), wheel('b')], 'c'), [{ whl: wheel('b').dbfsUri }]);
});
