// `npm run bench`: builds, then runs every benchmark script out/test/bench/*.bench.js in turn.
// Each prints `BENCH name=<id> value=<number> unit=<unit> ratio=<number> vs=<reference>` lines,
// where the reference was measured in the same run, so the ratios hold on a noisy machine.
// Usage: node scripts/bench.mjs [file-filter] [--only <figure>]
//   e.g. `npm run bench -- compare --only chart`: only compare.bench.js, only its chart-draw figure
//   (--only sets MLFLOW_WB_BENCH_ONLY; compare.bench and runsTable.bench read it, see their headers; the others ignore it).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureNodeModules, ensurePythonVenv, root } from './setup.mjs';

ensureNodeModules();
ensurePythonVenv();
function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
run(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
// The bundles as they ship (minified, as `npm run package` builds them).
run(process.execPath, ['scripts/build.mjs', '--production']);

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
if (onlyAt >= 0 && !only) {
  console.error('--only needs a figure name, e.g. --only chart');
  process.exit(2);
}
const filter = args[0] ?? '';
const dir = path.join(root, 'out', 'test', 'bench');
const benches = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.bench.js') && f.includes(filter))
      .sort()
  : [];
if (benches.length === 0) {
  console.error(`No benchmarks matched '${filter}' in out/test/bench.`);
  process.exit(1);
}
let failed = 0;
for (const bench of benches) {
  console.log(`\n# ${bench}`);
  const env = only ? { ...process.env, MLFLOW_WB_BENCH_ONLY: only } : process.env;
  const result = spawnSync(process.execPath, [path.join(dir, bench)], { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    failed++;
    console.error(`# ${bench} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
