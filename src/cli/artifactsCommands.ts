import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadArtifactTree, printableName } from '../engine/artifacts/artifactDownloads';
import { checkRelativePath, UnsafeServerPathError } from '../engine/safety/serverPaths';
import { CliInputError, CliUsageError, defineCommand, type CliOption } from './cliCommand';
import { formatTable } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION } from './trackingOptions';

// `mlflow-wb artifacts list|download`, as `mlflow artifacts list|download` do, through the same
// client as the extension (the tracking server's artifact proxy or get-artifact, a Databricks
// workspace's signed URLs). Every path of a listing is the server's and is checked before it touches
// the destination; what was refused is said, and the exit code is 1 when anything was.

const RUN_ID_OPTION = { type: 'string', value: 'ID', required: true, description: 'the run' } as const satisfies CliOption;
const PATH_OPTION = {
  type: 'string',
  value: 'P',
  description: "a folder or file under the run's artifact root (default: the root)",
} as const satisfies CliOption;

/** --path as given by the user: relative to the run's artifact root, never climbing out of it. */
function artifactPathOption(given: string | undefined): string {
  try {
    return checkRelativePath(given ?? '', '--path');
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

const isPathRefusal = (err: unknown) => err instanceof UnsafeServerPathError;

const artifactsListCommand = defineCommand({
  name: 'artifacts list',
  summary: "List the artifacts of a run directly under a folder (the run's artifact root by default).",
  options: { 'run-id': RUN_ID_OPTION, path: PATH_OPTION, 'tracking-uri': TRACKING_URI_OPTION, format: FORMAT_OPTION },
  expected: isPathRefusal,
  async run({ values, io }) {
    const artifactPath = artifactPathOption(values.path);
    const { client } = await connect(values['tracking-uri']);
    const listing = await client.listArtifacts(values['run-id'], artifactPath || undefined);
    if (values.format === 'json') {
      io.out(JSON.stringify({ root_uri: listing.rootUri, files: listing.files }, null, 2));
      return;
    }
    if (listing.files.length === 0) {
      io.out(`No artifacts under '${artifactPath || '(root)'}' of run ${printableName(values['run-id'])}.`);
      return;
    }
    io.out(
      formatTable(
        ['PATH', 'TYPE', 'SIZE'],
        listing.files.map((f) => [printableName(String(f.path)), f.is_dir ? 'dir' : 'file', f.is_dir || f.file_size === undefined ? '' : String(f.file_size)]),
      ),
    );
  },
});

const artifactsDownloadCommand = defineCommand({
  name: 'artifacts download',
  summary:
    'Download the artifacts of a run (a folder, recursively, or one file) into a local folder; entries of a listing that would land outside it are refused and listed.',
  options: {
    'run-id': RUN_ID_OPTION,
    path: PATH_OPTION,
    dest: {
      type: 'string',
      value: 'DIR',
      required: true,
      description: 'the local folder (paths under it are the artifact paths, as with mlflow artifacts download)',
    },
    'tracking-uri': TRACKING_URI_OPTION,
  },
  expected: isPathRefusal,
  async run({ values, io }) {
    const artifactPath = artifactPathOption(values.path);
    const dest = path.resolve(values.dest);
    if ((await fs.promises.stat(dest).catch(() => undefined))?.isDirectory() === false) throw new CliInputError(`--dest ${dest} is a file, not a folder`);
    const { client } = await connect(values['tracking-uri']);
    const report = await downloadArtifactTree(client, values['run-id'], artifactPath, dest, {
      onFile: (f) => io.out(`${printableName(f.path)}  (${f.bytes} bytes)`),
    });
    for (const r of report.refused) io.err(`refused ${JSON.stringify(r.path)}: ${r.reason}`);
    io.out(`Downloaded ${report.written.length} file${report.written.length === 1 ? '' : 's'} to ${dest}.`);
    if (report.refused.length === 0) return 0;
    io.err(
      `mlflow-wb artifacts download: ${report.refused.length} entr${report.refused.length === 1 ? 'y' : 'ies'} of the server's listing refused (see above); nothing was written outside ${dest}.`,
    );
    return 1;
  },
});

export const artifactsCommands = [artifactsListCommand, artifactsDownloadCommand];
