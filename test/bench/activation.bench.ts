// Activation benchmark, in the real VS Code (code-server + Chromium, as the UI tests run it):
// - extension_activation: `extension.activate()` of this extension in an extension host where
//   nothing activated it yet (a workspace without MLproject), vs VS Code's own built-in npm extension
//   (tree view, task provider, commands) activated in the same host. Rounds alternate which goes
//   first; the median of each side is reported. Activation must stay cheap: no server, no network,
//   no parsing happens in activate() itself.
import { copyFixture } from '../support/repoPaths';
import { runHostSuite } from '../support/workbench';
import { median, reportBench } from './benchSetup';

const ROUNDS = 4;

async function main(): Promise<void> {
  const ours: number[] = [];
  const reference: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { log } = await runHostSuite('activationTiming.host.js', {
      workspace: copyFixture('empty-workspace'),
      env: { MLFLOW_WB_ACTIVATION_ORDER: round % 2 ? 'reference-first' : 'ours-first' },
    });
    const line = /ACTIVATION_TIMES (\{.*\})/.exec(log)?.[1];
    if (!line) throw new Error(`no timing in the host log:\n${log}`);
    const times = JSON.parse(line) as { ours: number; reference: number };
    ours.push(times.ours);
    reference.push(times.reference);
  }
  const value = median(ours);
  const ref = median(reference);
  console.log(`rounds: ours ${ours.map((t) => t.toFixed(1)).join(', ')} ms; vscode.npm ${reference.map((t) => t.toFixed(1)).join(', ')} ms`);
  reportBench('extension_activation', value, ref, 'vscode_npm_activation');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
