// Validation benchmark: our validateText against MLflow's own loader (`load_project`, PyYAML),
// both timed warm on the same files in this run; MLflow's side is timed inside one Python process
// with time.perf_counter and printed from Python.
// - validate_mlproject_5000_lines: a 5,000-line MLproject with 1,000 entry points.
// - validate_mlproject_small: a 13-line MLproject.
// - validate_folder: a folder of 20 projects (MLproject, python_env.yaml, conda.yaml, cluster.json,
//   train.py each) through validatePaths (walks and reads the files too) vs MLflow reading the same
//   files in Python: load_project, _PythonEnv.from_yaml, yaml.safe_load (conda), json.load (cluster).
// - worst_<case>: the pathological documents of issue #15 (test/unit/validation/worstCaseDocuments.ts),
//   each made 100 KB long; value in ms per 100 KB (goal under 50), ratio against parsing the same
//   text with the `yaml` package (parseDocument, duplicate keys allowed, as our fallback parser does).
// - worst_flow_map_5mb: a 5 MB one-line flow map: time and heap growth (the size budget answers it).
//   `npm run bench -- validation --only worst` runs only these.
// Our numbers are cold parses (the per-text cache is cleared each time); *_cached shows an
// unchanged text re-validated, which is what the editor does when nothing changed.
import { spawnSync } from 'node:child_process';
import { parseDocument } from 'yaml';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clearValidationCache, validateText } from '../../src/engine/validation/validateFile';
import { validatePaths } from '../../src/engine/validation/validatePaths';
import { makeTempDir, venvPython } from '../support/repoPaths';
import { WORST_CASES } from '../unit/validation/worstCaseDocuments';
import { bigMlproject, median, reportBench } from './benchSetup';

const SMALL = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'example-project', 'MLproject'), 'utf8');
const PYTHON_ENV = 'python: "3.11"\nbuild_dependencies:\n  - pip\ndependencies:\n  - mlflow==3.1.0\n  - scikit-learn\n';
const CONDA = 'name: env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n      - mlflow==3.1.0\n';
const CLUSTER = JSON.stringify(
  { new_cluster: { spark_version: '15.4.x-cpu-ml-scala2.12', node_type_id: 'i3.xlarge', num_workers: 2 }, libraries: [{ pypi: { package: 'scikit-learn' } }] },
  null,
  2,
);

function project(dir: string, mlproject: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'MLproject'), mlproject);
  fs.writeFileSync(path.join(dir, 'python_env.yaml'), PYTHON_ENV);
  fs.writeFileSync(path.join(dir, 'train.py'), 'print("hi")\n');
}

function timeSync(n: number, fn: () => void, warmUp = 10): number {
  for (let i = 0; i < warmUp; i++) fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

async function timeAsync(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

const PYTHON_TIMER = `
import json, os, statistics, sys, time
import yaml
from mlflow.projects._project_spec import load_project
from mlflow.utils.environment import _PythonEnv
def med(fn, n):
    for _ in range(2): fn()
    xs = []
    for _ in range(n):
        t = time.perf_counter(); fn(); xs.append((time.perf_counter() - t) * 1000)
    return statistics.median(xs)
def read_folder_project(d):
    # The same files our side validates, read with MLflow's own readers (and PyYAML/json).
    load_project(d)
    _PythonEnv.from_yaml(os.path.join(d, "python_env.yaml"))
    with open(os.path.join(d, "conda.yaml")) as f:
        yaml.safe_load(f)
    with open(os.path.join(d, "cluster.json")) as f:
        json.load(f)
big, small, folder = sys.argv[1], sys.argv[2], sys.argv[3:]
out = {
    "big": med(lambda: load_project(big), 7),
    "small": med(lambda: load_project(small), 200),
    "folder": med(lambda: [read_folder_project(d) for d in folder], 15),
}
print("mlflow load_project (python, perf_counter): " + ", ".join(f"{k}={v:.2f} ms" for k, v in out.items()))
print(json.dumps(out))
`;

async function main(): Promise<void> {
  const root = makeTempDir('validation-bench');
  const bigDir = path.join(root, 'big');
  const smallDir = path.join(root, 'small');
  const big = bigMlproject(1000);
  project(bigDir, big);
  project(smallDir, SMALL);
  const folder = path.join(root, 'folder');
  const projectDirs: string[] = [];
  for (let i = 0; i < 20; i++) {
    const d = path.join(folder, `project-${i}`);
    project(d, bigMlproject(3).replace('big-project', `project-${i}`));
    fs.writeFileSync(path.join(d, 'conda.yaml'), CONDA);
    fs.writeFileSync(path.join(d, 'cluster.json'), CLUSTER);
    projectDirs.push(d);
  }
  console.log(`MLproject: ${big.split('\n').length - 1} lines, ${(big.length / 1024).toFixed(0)} KB; folder: ${projectDirs.length} projects`);

  const py = spawnSync(venvPython, ['-c', PYTHON_TIMER, bigDir, smallDir, ...projectDirs], { encoding: 'utf8', timeout: 180_000 });
  if (py.status !== 0) throw new Error(`MLflow timing failed:\n${py.stderr}`);
  const pyLines = py.stdout.trim().split('\n');
  console.log(pyLines[0]);
  const mlflow = JSON.parse(pyLines.at(-1)!) as { big: number; small: number; folder: number };

  const ctx = (dir: string) => ({ filePath: path.join(dir, 'MLproject'), fileExists: (p: string) => fs.existsSync(p) });
  const bigDiags = validateText('mlproject', big, ctx(bigDir));
  if (bigDiags.length !== 0) throw new Error(`the generated MLproject should be clean: ${JSON.stringify(bigDiags.slice(0, 3))}`);
  const oursBig = timeSync(40, () => {
    clearValidationCache();
    validateText('mlproject', big, ctx(bigDir));
  });
  const oursBigCached = timeSync(40, () => validateText('mlproject', big, ctx(bigDir)));
  const oursSmall = timeSync(500, () => {
    clearValidationCache();
    validateText('mlproject', SMALL, ctx(smallDir));
  });
  const oursFolder = await timeAsync(15, async () => {
    clearValidationCache();
    return validatePaths([folder]);
  });
  const line = (name: string, ours: number, theirs: number) => reportBench(name, ours, theirs, 'mlflow_load_project');
  line('validate_mlproject_5000_lines', oursBig, mlflow.big);
  line('validate_mlproject_5000_lines_cached', oursBigCached, mlflow.big);
  line('validate_mlproject_small', oursSmall, mlflow.small);
  line('validate_folder', oursFolder, mlflow.folder);
  fs.rmSync(root, { recursive: true, force: true });
  worstCases();
}

function worstCases(): void {
  const ctx = { filePath: '/bench/MLproject', fileExists: () => true };
  for (const c of WORST_CASES) {
    const text = c.make(100 * 1024);
    const per100kb = (ms: number) => (ms * 100 * 1024) / text.length;
    const ours = timeSync(
      9,
      () => {
        clearValidationCache();
        validateText(c.kind, text, ctx);
      },
      2,
    );
    const library = timeSync(3, () => parseDocument(text, { version: '1.1', uniqueKeys: false }), 1);
    reportBench(`worst_${c.name}`, per100kb(ours), per100kb(library), 'yaml_parseDocument', 'ms_per_100KB');
  }
  const huge = WORST_CASES.find((c) => c.name === 'one_line_flow_map')!.make(5 * 1024 * 1024);
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  const diags = validateText('mlproject', huge, ctx);
  const ms = performance.now() - start;
  const heapMb = Math.max(0, process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  if (diags.length !== 1 || diags[0].code !== 'validation/too-large')
    throw new Error(`the 5 MB document should be answered by the size budget: ${JSON.stringify(diags.slice(0, 2))}`);
  const fileMb = huge.length / 1024 / 1024;
  reportBench('worst_flow_map_5mb', ms, fileMb * 10, 'budget_10ms_per_MB');
  reportBench('worst_flow_map_5mb_heap', heapMb, fileMb, 'file_size', 'MB');
}

(process.env.MLFLOW_WB_BENCH_ONLY === 'worst' ? Promise.resolve().then(worstCases) : main()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
