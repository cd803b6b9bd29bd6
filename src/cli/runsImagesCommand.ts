// `mlflow-wb runs images`: the compare panel's Images tab headless, on the same engine (listRunImages):
// the images runs logged with mlflow.log_image (key, step) and their image artifacts.
import { printableName } from '../engine/artifacts/artifactDownloads';
import { imageAtStep, listRunImages, type RunImages } from '../engine/compare/runImages';
import { fetchRuns } from '../engine/compare/runSelection';
import { CliInputError, CliUsageError, defineCommand } from './cliCommand';
import { formatTable } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION } from './trackingOptions';

export const runsImagesCommand = defineCommand({
  name: 'runs images',
  summary: 'The images runs logged (mlflow.log_image with a key and step) and their image artifacts, side by side.',
  options: {
    'tracking-uri': TRACKING_URI_OPTION,
    key: { type: 'string', value: 'KEY', description: 'only the images logged with this key' },
    step: { type: 'string', value: 'N', description: 'per run and key, only the image shown at step N (logged at N, else the last before it)' },
    format: FORMAT_OPTION,
  },
  positionals: { name: 'RUN_ID', description: 'the runs (at least one)' },
  notes: 'Download an image with `mlflow-wb artifacts download --run-id RUN_ID --path PATH --dest DIR`.',
  async run({ values, positionals, io }) {
    if (positionals.length === 0) throw new CliUsageError('give at least one run id');
    const step = values.step === undefined ? undefined : Number(values.step);
    if (step !== undefined && !Number.isSafeInteger(step)) throw new CliUsageError(`--step must be a whole number, not ${JSON.stringify(values.step)}`);
    const { client, tracking } = await connect(values['tracking-uri']);
    const fetched = await fetchRuns(client, positionals);
    if (fetched.missing.length > 0) throw new CliInputError(`no run ${fetched.missing.join(', ')} at ${tracking.label}`);
    const listed: RunImages[] = [];
    for (const run of fetched.runs) listed.push(await listRunImages(client, run.info.run_id));
    const shown = listed.map((r) => {
      let logged = values.key === undefined ? r.logged : r.logged.filter((i) => i.key === values.key);
      if (step !== undefined) logged = [...new Set(logged.map((i) => i.key))].flatMap((key) => imageAtStep(logged, key, step) ?? []);
      return { ...r, logged };
    });
    if (values.format === 'json') {
      io.out(JSON.stringify(shown, null, 2));
      return;
    }
    for (const r of shown) if (r.truncated) io.err(`run ${r.runId}: only the first artifact folders were searched for image artifacts`);
    const rows = shown.flatMap((r) => [
      // Keys and paths are the server's: printed with control characters neutralised.
      ...r.logged.map((i) => [r.runId, printableName(i.key), String(i.step), printableName(i.path)]),
      ...(values.key === undefined ? r.artifacts.map((a) => [r.runId, '(artifact)', '-', printableName(a.path)]) : []),
    ]);
    if (rows.length === 0) {
      io.out('No images.');
      return;
    }
    io.out(formatTable(['RUN', 'KEY', 'STEP', 'PATH'], rows));
  },
});
