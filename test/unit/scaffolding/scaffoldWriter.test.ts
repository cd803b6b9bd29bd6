import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { RenderedFile } from '../../../src/engine/scaffolding/projectRenderer';
import { planScaffold, writeScaffold, type ScaffoldProgress } from '../../../src/engine/scaffolding/scaffoldWriter';
import { makeTempDir } from '../../support/repoPaths';

const file = (relativePath: string, content: string, mode?: number): RenderedFile => ({
  relativePath,
  content: Buffer.from(content),
  ...(mode ? { mode } : {}),
});
const never = () => false;

describe('planScaffold', () => {
  it('sorts files into create, conflict, identical and blocked', async () => {
    const dir = makeTempDir('plan');
    fs.writeFileSync(path.join(dir, 'same.txt'), 'same');
    fs.writeFileSync(path.join(dir, 'other.txt'), 'old');
    fs.mkdirSync(path.join(dir, 'adir'));
    fs.writeFileSync(path.join(dir, 'afile'), 'x');
    const plan = await planScaffold(
      [file('new.txt', 'n'), file('deep/new.txt', 'n'), file('same.txt', 'same'), file('other.txt', 'new'), file('adir', 'x'), file('afile/child.txt', 'x')],
      dir,
    );
    assert.deepEqual(plan, { toCreate: ['new.txt', 'deep/new.txt'], conflicts: ['other.txt'], identical: ['same.txt'], blocked: ['adir', 'afile/child.txt'] });
  });
  it('plans everything as new in a folder that does not exist yet', async () => {
    const dir = path.join(makeTempDir('plan'), 'not', 'yet');
    assert.deepEqual((await planScaffold([file('a', '1'), file('b/c', '2')], dir)).toCreate, ['a', 'b/c']);
  });
  it('blocks files under a folder of the target that is a symbolic link, even with --force (nothing written through it)', async () => {
    const dir = makeTempDir('plan');
    const elsewhere = makeTempDir('elsewhere');
    fs.symlinkSync(elsewhere, path.join(dir, 'linked'));
    fs.symlinkSync('../../' + path.basename(elsewhere), path.join(dir, 'relative'));
    const files = [file('linked/x.txt', 'x'), file('relative/y.txt', 'y'), file('ok.txt', 'o')];
    const plan = await planScaffold(files, dir);
    assert.deepEqual(plan.blocked, ['linked/x.txt', 'relative/y.txt']);
    await assert.rejects(writeScaffold(plan, files, dir, { overwrite: () => true }), /symbolic link/);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
  });
  it('refuses paths outside the folder', async () => {
    await assert.rejects(planScaffold([file('../escape.txt', 'x')], makeTempDir('plan')), /outside the project folder/);
  });
});

describe('writeScaffold', () => {
  it('creates folders and files, keeps executable bits, and reports progress', async () => {
    const dir = path.join(makeTempDir('write'), 'project');
    const files = [file('README.md', '# hi\n'), file('pkg/__init__.py', ''), file('run.sh', '#!/bin/sh\n', 0o755)];
    const progress: ScaffoldProgress[] = [];
    const result = await writeScaffold(await planScaffold(files, dir), files, dir, { overwrite: never, onProgress: (p) => progress.push(p) });
    assert.deepEqual(result.created, ['README.md', 'pkg/__init__.py', 'run.sh']);
    assert.equal(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'), '# hi\n');
    assert.equal(fs.statSync(path.join(dir, 'run.sh')).mode & 0o111, 0o111);
    assert.deepEqual(
      progress.map((p) => [p.relativePath, p.action, p.done, p.total]),
      [
        ['README.md', 'created', 1, 3],
        ['pkg/__init__.py', 'created', 2, 3],
        ['run.sh', 'created', 3, 3],
      ],
    );
  });
  it('never overwrites an existing file unless the callback says yes for that very file', async () => {
    const dir = makeTempDir('write');
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    fs.writeFileSync(path.join(dir, 'replace.txt'), 'mine');
    fs.writeFileSync(path.join(dir, 'same.txt'), 'same');
    const files = [file('keep.txt', 'template'), file('replace.txt', 'template'), file('same.txt', 'same'), file('new.txt', 'template')];
    const asked: string[] = [];
    const result = await writeScaffold(await planScaffold(files, dir), files, dir, {
      overwrite: async (rel) => {
        asked.push(rel);
        return rel === 'replace.txt';
      },
    });
    assert.deepEqual(asked, ['keep.txt', 'replace.txt']);
    assert.equal(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8'), 'mine');
    assert.equal(fs.readFileSync(path.join(dir, 'replace.txt'), 'utf8'), 'template');
    assert.deepEqual(result, { created: ['new.txt'], overwritten: ['replace.txt'], skipped: ['keep.txt'], unchanged: ['same.txt'] });
  });
  it('treats a file created after the plan as a conflict, not as new', async () => {
    const dir = makeTempDir('write');
    const files = [file('late.txt', 'template')];
    const plan = await planScaffold(files, dir);
    assert.deepEqual(plan.toCreate, ['late.txt']);
    fs.writeFileSync(path.join(dir, 'late.txt'), 'written meanwhile');
    const result = await writeScaffold(plan, files, dir, { overwrite: never });
    assert.deepEqual(result.skipped, ['late.txt']);
    assert.equal(fs.readFileSync(path.join(dir, 'late.txt'), 'utf8'), 'written meanwhile');
  });
  it('replaces a symlink instead of writing through it', async () => {
    const dir = makeTempDir('write');
    const outside = path.join(makeTempDir('outside'), 'target.txt');
    fs.writeFileSync(outside, 'outside');
    fs.symlinkSync(outside, path.join(dir, 'link.txt'));
    const files = [file('link.txt', 'template')];
    await writeScaffold(await planScaffold(files, dir), files, dir, { overwrite: () => true });
    assert.equal(fs.readFileSync(outside, 'utf8'), 'outside');
    assert.equal(fs.lstatSync(path.join(dir, 'link.txt')).isSymbolicLink(), false);
    assert.equal(fs.readFileSync(path.join(dir, 'link.txt'), 'utf8'), 'template');
  });
  it('refuses to start when a path is blocked, writing nothing', async () => {
    const dir = makeTempDir('write');
    fs.mkdirSync(path.join(dir, 'README.md'));
    const files = [file('a.txt', 'a'), file('README.md', 'x')];
    await assert.rejects(
      writeScaffold(await planScaffold(files, dir), files, dir, { overwrite: () => true }),
      /Cannot write README\.md.*a folder is in the way/,
    );
    assert.equal(fs.existsSync(path.join(dir, 'a.txt')), false);
  });
  it('refuses files the plan does not cover', async () => {
    const dir = makeTempDir('write');
    await assert.rejects(writeScaffold(await planScaffold([], dir), [file('x', '1')], dir, { overwrite: never }), /does not cover x/);
  });
});
