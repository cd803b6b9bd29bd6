import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { validateCommand } from '../../../src/cli/validateCommand';
import type { CliIo } from '../../../src/cli/cliCommand';
import { LineIndex, offsetToLineColumn } from '../../../src/engine/validation/diagnostic';
import { didYouMean, editDistance } from '../../../src/engine/validation/didYouMean';
import { keyDocsByLevel, parameterTypes } from '../../../src/engine/validation/mlprojectSchema';
import { parsePythonFormat } from '../../../src/engine/validation/pythonFormat';
import { detectFileKind, validateText, validateTextAsync, type ValidatedFileKind } from '../../../src/engine/validation/validateFile';
import { validatePaths } from '../../../src/engine/validation/validatePaths';
import { makeTempDir } from '../../support/repoPaths';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t + '\n'), err: (t: string) => void (io.stderr += t + '\n') };
  return io;
}

function writeProject(files: Record<string, string>): string {
  const dir = makeTempDir('validate');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('validation plumbing', () => {
  it('maps offsets to 0-based line and column', () => {
    const text = 'ab\ncd\n\nxyz';
    assert.deepEqual(offsetToLineColumn(text, 0), { line: 0, column: 0 });
    assert.deepEqual(offsetToLineColumn(text, 4), { line: 1, column: 1 });
    assert.deepEqual(offsetToLineColumn(text, 6), { line: 2, column: 0 });
    assert.deepEqual(offsetToLineColumn(text, text.length), { line: 3, column: 3 });
    assert.equal(new LineIndex(text).lineCount, 4);
  });

  it('computes edit distances and suggestions', () => {
    assert.equal(editDistance('flaot', 'float'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(didYouMean('entry_point', ['entry_points', 'name']), 'entry_points');
    assert.equal(didYouMean('zzzzzz', ['entry_points', 'name']), undefined);
  });

  it("parses commands like Python's str.format", () => {
    assert.deepEqual(
      parsePythonFormat('a {x} {{y}} {z.attr} {w!r:>{width}}').fields.map((f) => f.name),
      ['x', 'z', 'w', 'width'],
    );
    assert.equal(parsePythonFormat('a {b').error?.message, "expected '}' before end of string");
    assert.equal(parsePythonFormat('a }').error?.message, "Single '}' encountered in format string");
    assert.equal(parsePythonFormat('{x!z}').error?.message, 'Unknown conversion specifier z');
  });

  it('detects file kinds by name and by content', () => {
    assert.equal(detectFileKind('/p/MLproject'), 'mlproject');
    assert.equal(detectFileKind('/p/mlproject'), 'mlproject');
    assert.equal(detectFileKind('/p/conda.yml'), 'conda');
    assert.equal(detectFileKind('/p/python_env.yaml'), 'python_env');
    assert.equal(detectFileKind('/p/gpu.cluster.json'), 'cluster');
    assert.equal(detectFileKind('/p/spec.json', '{"new_cluster": {}}'), 'cluster');
    assert.equal(detectFileKind('/p/spec.json', '{"a": {"spark_version": "x"}}'), undefined);
    assert.equal(detectFileKind('/p/env.yaml', 'channels: [x]\ndependencies: [python=3.11]\n'), 'conda');
    assert.equal(detectFileKind('/p/package.json', '{"name": "x"}'), undefined);
  });

  it('never throws and turns a failing fileExists into one diagnostic', () => {
    const d = validateText('mlproject', 'conda_env: env.yaml\n', {
      filePath: '/p/MLproject',
      fileExists: () => {
        throw new Error('boom');
      },
    });
    assert.equal(d.length, 1);
    assert.equal(d[0].code, 'internal/validator-error');
    assert.match(d[0].message, /boom/);
  });

  it('has key docs for every level and the four parameter types', () => {
    assert.deepEqual(
      parameterTypes.map((t) => t.type),
      ['string', 'float', 'path', 'uri'],
    );
    for (const docs of Object.values(keyDocsByLevel)) for (const k of docs) assert.match(k.docsUrl, /^https:\/\/mlflow\.org\/docs\/latest\/ml\/projects\//);
  });

  it('validates folders, skipping mlruns/.venv, and classifies env files named by the MLproject', async () => {
    const dir = writeProject({
      MLproject: 'conda_env: envs/my-env.yaml\nentry_points:\n  main:\n    command: "python train.py"\n',
      'envs/my-env.yaml': 'dependencies:\n  - python\n',
      'train.py': '',
      'mlruns/0/MLproject': 'bad: [\n',
      '.venv/conda.yaml': 'bad: [\n',
    });
    const results = await validatePaths([dir]);
    assert.deepEqual(
      results.map((r) => [path.relative(dir, r.file), r.kind]),
      [
        ['MLproject', 'mlproject'],
        [path.join('envs', 'my-env.yaml'), 'conda'],
      ],
    );
    assert.deepEqual(results[0].diagnostics, []);
    assert.ok(results[1].diagnostics.some((d) => d.code === 'conda/unpinned-python'));
  });

  it('CLI prints file:line:col severity code message, a count, and exits 1 on errors', async () => {
    const dir = writeProject({ MLproject: 'name: x\nentry_points:\n  main:\n    command: "python t.py {alpha}"\n', 't.py': '' });
    const io = capture();
    assert.equal(await validateCommand.run([dir], io), 1);
    const rel = path.relative(process.cwd(), path.join(dir, 'MLproject'));
    const file = rel.startsWith('..') ? path.join(dir, 'MLproject') : rel;
    assert.match(io.stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:27 error mlproject/undeclared-placeholder `, 'm'));
    assert.match(io.stdout, /1 file\(s\) checked: 1 error\(s\), 0 warning\(s\), 0 info\.\n$/);

    const json = capture();
    assert.equal(await validateCommand.run(['--format', 'json', dir], json), 1);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.errors, 1);
    assert.equal(parsed.diagnostics[0].line, 4);

    fs.writeFileSync(path.join(dir, 'MLproject'), 'name: x\nentry_points:\n  main:\n    parameters: {alpha: float}\n    command: "python t.py {alpha}"\n');
    assert.equal(await validateCommand.run([dir], capture()), 0);
  });

  it('validateTextAsync checks the named paths with fs/promises and gives what validateText with a synchronous check gives', async () => {
    const dir = writeProject({ 'train.py': '', 'requirements.txt': '' });
    const mlproject = [
      'name: p',
      'python_env: python_env.yaml',
      'entry_points:',
      '  main:',
      '    command: "python train.py"',
      '  other:',
      '    command: "python missing.py"',
      '',
    ].join('\n');
    const pyenv = 'python: "3.11"\ndependencies:\n  - -r requirements.txt\n  - -r gone.txt\n';
    const cases: [ValidatedFileKind, string, string][] = [
      ['mlproject', mlproject, path.join(dir, 'MLproject')],
      ['python_env', pyenv, path.join(dir, 'python_env.yaml')],
    ];
    for (const [kind, text, filePath] of cases) {
      const asked: string[] = [];
      const found = await validateTextAsync(kind, text, filePath, async (p) => {
        asked.push(p);
        return fs.promises.access(p).then(
          () => true,
          () => false,
        );
      });
      assert.deepEqual(found, validateText(kind, text, { filePath, fileExists: (p) => fs.existsSync(p) }), kind);
      assert.ok(
        found.some((d) => /missing\.py|gone\.txt/.test(d.message)),
        kind,
      );
      assert.equal(new Set(asked).size, asked.length, `${kind}: each path checked once`);
    }
  });

  it('CLI exits 2 on bad usage, and 1 for a path that does not exist', async () => {
    const io = capture();
    assert.equal(await validateCommand.run(['--format', 'xml'], io), 2);
    assert.match(io.stderr, /--format must be text or json/);
    assert.equal(await validateCommand.run(['--frobnicate'], capture()), 2);
    const missing = capture();
    assert.equal(await validateCommand.run(['/no/such/path/anywhere'], missing), 1);
    assert.equal(missing.stderr, 'mlflow-wb validate: no such file or folder: /no/such/path/anywhere\n');
  });
});
