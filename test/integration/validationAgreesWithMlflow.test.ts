import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { detectFileKind, validateText } from '../../src/engine/validation/validateFile';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { fixturesDir, makeTempDir, venvPython } from '../support/repoPaths';

const casesDir = path.join(fixturesDir, 'validation');

/**
 * MLflow's verdict on each project folder, in one Python process: load_project, then for every entry
 * point compute_command (what `mlflow run` does before it starts the command), giving required
 * parameters a value as `-P` would.
 */
const MLFLOW_VERDICTS = `
import json, sys
from mlflow.projects import _project_spec
out = {}
for d in sys.argv[1:]:
    try:
        project = _project_spec.load_project(d)
        spec = project.databricks_spark_job_spec
        if not (spec and spec.python_file is not None):
            for name, ep in project._entry_points.items():
                given = {k: ("file:///tmp" if p.type == "uri" else "/tmp") for k, p in ep.parameters.items() if p.default is None}
                ep.compute_command(given, None)
        out[d] = {"ok": True}
    except Exception as e:
        out[d] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
print(json.dumps(out))
`;

function ourVerdict(dir: string): { hasErrors: boolean; codes: string[] } {
  const file = fs.readdirSync(dir).find((f) => f.toLowerCase() === 'mlproject');
  assert.ok(file, `no MLproject in ${dir}`);
  const filePath = path.join(dir, file);
  assert.equal(detectFileKind(filePath), 'mlproject');
  const diags = validateText('mlproject', fs.readFileSync(filePath, 'utf8'), { filePath, fileExists: (p) => fs.existsSync(p) });
  return { hasErrors: diags.some((d) => d.severity === 'error'), codes: diags.filter((d) => d.severity === 'error').map((d) => d.code) };
}

function mlflowRun(dir: string, trackingUri: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const mlflowBin = path.join(path.dirname(venvPython), 'mlflow');
    const child = spawn(mlflowBin, ['run', dir, '-e', 'main', '--env-manager', 'local', '--experiment-name', uniqueName('validation-agreement')], {
      env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, PATH: `${path.dirname(venvPython)}${path.delimiter}${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b) => (output += b));
    child.stderr.on('data', (b) => (output += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

describe('our MLproject verdict agrees with MLflow', () => {
  const cases = fs
    .readdirSync(casesDir)
    .filter((c) => fs.statSync(path.join(casesDir, c)).isDirectory())
    .sort();
  let verdicts: Record<string, { ok: boolean; error?: string }>;

  before(() => {
    const dirs = cases.map((c) => path.join(casesDir, c));
    const result = spawnSync(venvPython, ['-c', MLFLOW_VERDICTS, ...dirs], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    verdicts = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
  });

  it('covers both valid and invalid projects', () => {
    const oks = Object.values(verdicts).filter((v) => v.ok).length;
    assert.ok(oks >= 3 && cases.length - oks >= 10, `valid ${oks}, invalid ${cases.length - oks}`);
  });

  for (const c of cases) {
    it(`agrees on ${c}`, () => {
      const dir = path.join(casesDir, c);
      const theirs = verdicts[dir];
      const ours = ourVerdict(dir);
      assert.equal(ours.hasErrors, !theirs.ok, `MLflow: ${theirs.ok ? 'accepts' : theirs.error}; we report errors: ${ours.codes.join(', ') || 'none'}`);
    });
  }

  it('what MLflow accepts and runs as written gets information hints at most (int/str/bool types, description, {type str}, YAML 1.1 scalars)', () => {
    for (const c of ['valid-real-world-forms', 'yaml11-scalars']) {
      const dir = path.join(casesDir, c);
      assert.equal(verdicts[dir]?.ok, true, `MLflow: ${verdicts[dir]?.error}`);
      const filePath = path.join(dir, 'MLproject');
      const diags = validateText('mlproject', fs.readFileSync(filePath, 'utf8'), { filePath, fileExists: (p) => fs.existsSync(p) });
      assert.deepEqual(
        diags.filter((d) => d.severity !== 'info').map((d) => [d.code, d.message]),
        [],
        c,
      );
    }
  });

  it('agrees with a real `mlflow run` on a valid project and on an undeclared placeholder', async () => {
    const { url } = await useMlflowServer();
    const copy = (name: string) => {
      const target = path.join(makeTempDir('validation'), name);
      fs.cpSync(path.join(casesDir, name), target, { recursive: true });
      return target;
    };
    const valid = copy('valid-basic');
    const broken = copy('undeclared-placeholder');
    assert.equal(ourVerdict(valid).hasErrors, false);
    assert.deepEqual(ourVerdict(broken).codes, ['mlproject/undeclared-placeholder']);
    const [ok, bad] = await Promise.all([mlflowRun(valid, url), mlflowRun(broken, url)]);
    assert.equal(ok.code, 0, ok.output);
    assert.notEqual(bad.code, 0);
    assert.match(bad.output, /KeyError: 'seed'/);
  });
});
