// Server-provided names before they touch a path: which are refused, and that writing stays inside
// its root whatever the name or the links already on disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkPathSegment, checkRelativePath, relativePathSegments, UnsafeServerPathError, writeFileInside } from '../../../src/engine/safety/serverPaths';
import { makeTempDir } from '../../support/repoPaths';

const isRefusal = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof UnsafeServerPathError, String(err));
  assert.match(err.message, pattern);
  return true;
};
const refused = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, isRefusal(pattern));
const refusedAsync = (promise: Promise<unknown>, pattern: RegExp) => assert.rejects(promise, isRefusal(pattern));

/** Every file and link below `dir`, relative, sorted. */
function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

describe('checkPathSegment', () => {
  it('accepts plain identifiers: run ids, numeric experiment ids, logged model ids, model names and versions', () => {
    for (const ok of ['0a1b2c3d4e5f', '123', 'm-4f1c2d', 'My model v2', 'version-3', '..hidden-but-not-dots', 'naïve']) {
      assert.equal(checkPathSegment(ok, 'run id', 'linux'), ok);
    }
  });

  it('refuses traversal, separators, NUL, control characters, empty and over-long names', () => {
    refused(() => checkPathSegment('..', 'run id', 'linux'), /run id "\.\.", which is '\.\.'/);
    refused(() => checkPathSegment('.', 'run id', 'linux'), /is '\.'/);
    refused(() => checkPathSegment('../../../../home/u', 'run id', 'linux'), /contains '\/'/);
    refused(() => checkPathSegment('a\\..\\b', 'model name', 'linux'), /contains '\\'/);
    refused(() => checkPathSegment('a\0b', 'version', 'linux'), /NUL/);
    refused(() => checkPathSegment('a\x1b[2Jb', 'logged model id', 'linux'), /control character/);
    refused(() => checkPathSegment('', 'experiment id', 'linux'), /is empty/);
    refused(() => checkPathSegment('x'.repeat(256), 'run id', 'linux'), /longer than 255 bytes/);
    refused(() => checkPathSegment(42, 'run id', 'linux'), /not text/);
  });

  it('refuses names Windows reads differently, on Windows', () => {
    refused(() => checkPathSegment('C:', 'run id', 'win32'), /Windows does not allow/);
    refused(() => checkPathSegment('CON', 'model name', 'win32'), /reserved device name/);
    refused(() => checkPathSegment('nul.txt', 'model name', 'win32'), /reserved device name/);
    refused(() => checkPathSegment('name.', 'model name', 'win32'), /ends with a dot/);
    assert.equal(checkPathSegment('CON', 'model name', 'linux'), 'CON');
  });
});

describe('relativePathSegments', () => {
  it('tidies empty and . segments and keeps the rest', () => {
    assert.deepEqual(relativePathSegments('model/MLmodel', 'artifact path', 'linux'), ['model', 'MLmodel']);
    assert.deepEqual(relativePathSegments('./a//b/', 'artifact path', 'linux'), ['a', 'b']);
    assert.deepEqual(relativePathSegments('', 'artifact path', 'linux'), []);
    assert.equal(checkRelativePath('a/./b', 'artifact path', 'linux'), 'a/b');
  });

  it('refuses absolute paths, drive letters, .. anywhere, backslashes and NUL', () => {
    refused(() => relativePathSegments('../x', 'artifact path', 'linux'), /climbs out/);
    refused(() => relativePathSegments('a/../../x', 'artifact path', 'linux'), /climbs out/);
    refused(() => relativePathSegments('a/..', 'artifact path', 'linux'), /climbs out/);
    refused(() => relativePathSegments('/etc/passwd', 'artifact path', 'linux'), /absolute/);
    refused(() => relativePathSegments('\\\\server\\share', 'artifact path', 'linux'), /absolute/);
    refused(() => relativePathSegments('C:/Users/u/x', 'artifact path', 'linux'), /drive letter/);
    refused(() => relativePathSegments('a\\..\\..\\x', 'artifact path', 'linux'), /'\\'/);
    refused(() => relativePathSegments('a/b\0c', 'artifact path', 'linux'), /NUL/);
  });
});

describe('writeFileInside', () => {
  it('writes below the root, creating folders, and replaces an earlier copy', async () => {
    const root = path.join(makeTempDir('paths'), 'root');
    const file = await writeFileInside(root, 'model/data/x.bin', 'one');
    assert.equal(file, path.join(fs.realpathSync(root), 'model', 'data', 'x.bin'));
    await writeFileInside(root, 'model/data/x.bin', 'two');
    assert.equal(fs.readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(listTree(root), ['model', 'model/data', 'model/data/x.bin']);
    const longest = 'é'.repeat(127) + 'x'; // 255 bytes
    assert.equal(fs.readFileSync(await writeFileInside(root, longest, 'long'), 'utf8'), 'long');
  });

  it('refuses traversal before creating anything', async () => {
    const sandbox = makeTempDir('paths');
    const root = path.join(sandbox, 'root');
    fs.mkdirSync(root);
    for (const bad of ['../escape.txt', 'a/../../escape.txt', '/tmp/escape.txt', '']) {
      await assert.rejects(writeFileInside(root, bad, 'x'), UnsafeServerPathError);
    }
    assert.deepEqual(listTree(sandbox), ['root']);
  });

  it('never writes through a symbolic link planted in the tree, as a folder or as the file', async () => {
    const sandbox = makeTempDir('paths');
    const root = path.join(sandbox, 'root');
    const outside = path.join(sandbox, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'victim.txt'), 'precious');
    fs.symlinkSync(outside, path.join(root, 'linked'));
    await refusedAsync(writeFileInside(root, 'linked/victim.txt', 'overwritten'), /symbolic link/);
    // A link at the file's own name is replaced by the new file, not followed.
    fs.symlinkSync(path.join(outside, 'victim.txt'), path.join(root, 'victim.txt'));
    const written = await writeFileInside(root, 'victim.txt', 'new bytes');
    assert.equal(fs.readFileSync(path.join(outside, 'victim.txt'), 'utf8'), 'precious');
    assert.equal(fs.lstatSync(written).isSymbolicLink(), false);
    assert.equal(fs.readFileSync(written, 'utf8'), 'new bytes');
    assert.deepEqual(listTree(outside), ['victim.txt']);
  });

  it('resolves a root reached through a link before checking, and refuses a folder where a file goes', async () => {
    const sandbox = makeTempDir('paths');
    fs.mkdirSync(path.join(sandbox, 'real'));
    fs.symlinkSync(path.join(sandbox, 'real'), path.join(sandbox, 'alias'));
    const file = await writeFileInside(path.join(sandbox, 'alias'), 'a/b.txt', 'x');
    assert.equal(file, path.join(fs.realpathSync(sandbox), 'real', 'a', 'b.txt'));
    await refusedAsync(writeFileInside(path.join(sandbox, 'alias'), 'a', 'x'), /is a folder/);
    await refusedAsync(writeFileInside(path.join(sandbox, 'alias'), 'a/b.txt/c', 'x'), /not a folder/);
  });
});
