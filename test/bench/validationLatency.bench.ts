// Typing stays instant: in the real VS Code (code-server + Chromium, as the UI tests run it), the time
// from an edit of a 5,000-line MLproject (1,000 entry points) to the Problems/diagnostics that reflect
// it, measured in the extension host (test/vscode/host/validationLatency.host.ts). Each edit comes
// after a pause (an edit, not a keystroke of a burst: bursts are validated once, 200 ms after the
// last key). References, in the same host and run: the editor's floor (a plain file's edit to a
// diagnostic published at once: the edit's round trip plus VS Code's own 50 ms debounce of
// onDidChangeDiagnostics, which no extension can beat), and the validator itself (validateText, cold
// parse) on the same edited text.
// - edit_to_diagnostics_5000_lines_p95 and _p50 vs the floor (goal: under 50 ms above it); the
//   validator's own time is printed beside them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixture } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';
import { bigMlproject, reportBench } from './benchSetup';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const workspace = copyFixture('empty-workspace');
  fs.writeFileSync(path.join(workspace, 'MLproject'), bigMlproject(1000));
  fs.writeFileSync(path.join(workspace, 'python_env.yaml'), 'python: "3.11"\nbuild_dependencies:\n  - pip\ndependencies:\n  - mlflow\n');
  fs.writeFileSync(path.join(workspace, 'train.py'), 'print("hi")\n');
  fs.writeFileSync(path.join(workspace, 'floor.txt'), 'start\n');
  const { log } = await runHostSuite('validationLatency.host.js', { workspace });
  const line = /LATENCY_TIMES (\{.*\})/.exec(log)?.[1];
  if (!line) throw new Error(`no timing in the host log:\n${log}`);
  const { latency, direct, floor } = JSON.parse(line) as { latency: number[]; direct: number[]; floor: number[] };
  for (const [q, name] of [
    [0.95, 'p95'],
    [0.5, 'p50'],
  ] as const) {
    const ours = quantile(latency, q);
    const base = quantile(floor, q);
    console.log(
      `edit to diagnostics ${name}: ${ours.toFixed(1)} ms; the editor's floor ${base.toFixed(1)} ms (we add ${(ours - base).toFixed(1)} ms); validateText alone ${quantile(direct, q).toFixed(1)} ms`,
    );
    reportBench(`edit_to_diagnostics_5000_lines_${name}`, ours, base, `vscode_floor_${name}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
