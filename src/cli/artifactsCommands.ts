import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadArtifactTree, printableName } from '../engine/artifacts/artifactDownloads';
import { UnsafeServerPathError, checkRelativePath } from '../engine/safety/serverPaths';
import type { CliCommand } from './cliCommand';
import { CliUsageError, connect, formatTable, oneFlag, outputFormat, parseFlags, runListCommand } from './experimentsCommand';

// `mlflow-wb artifacts list|download`, as `mlflow artifacts list|download` do, through the same
// client as the extension (the tracking server's artifact proxy or get-artifact, a Databricks
// workspace's signed URLs). Every path of a listing is the server's and is checked before it touches
// the destination; what was refused is said, and the exit code is 1 when anything was.

function requiredRunId(flags: Map<string, string[]>): string {
  const runId = oneFlag(flags, 'run-id');
  if (!runId) throw new CliUsageError('--run-id ID is required');
  return runId;
}

/** --path as given by the user: relative to the run's artifact root, never climbing out of it. */
function artifactPathFlag(flags: Map<string, string[]>): string {
  const given = oneFlag(flags, 'path') ?? '';
  try {
    return checkRelativePath(given, '--path');
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

const isPathRefusal = (err: unknown) => err instanceof UnsafeServerPathError;

export const artifactsListCommand: CliCommand = {
  name: 'artifacts list',
  summary: "List the artifacts of a run directly under a folder (the run's artifact root by default).",
  usage: 'artifacts list --run-id ID [--path P] [--tracking-uri URI] [--format text|json]',
  async run(args, io) {
    return runListCommand(
      artifactsListCommand,
      io,
      async () => {
        const flags = parseFlags(args, { 'run-id': 'string', path: 'string', 'tracking-uri': 'string', format: 'string' });
        const runId = requiredRunId(flags);
        const artifactPath = artifactPathFlag(flags);
        const format = outputFormat(flags);
        const { client } = connect(flags);
        const listing = await client.listArtifacts(runId, artifactPath || undefined);
        if (format === 'json') {
          io.out(JSON.stringify({ root_uri: listing.rootUri, files: listing.files }, null, 2));
          return;
        }
        if (listing.files.length === 0) {
          io.out(`No artifacts under '${artifactPath || '(root)'}' of run ${printableName(runId)}.`);
          return;
        }
        io.out(
          formatTable(
            ['PATH', 'TYPE', 'SIZE'],
            listing.files.map((f) => [printableName(String(f.path)), f.is_dir ? 'dir' : 'file', f.is_dir || f.file_size === undefined ? '' : String(f.file_size)]),
          ),
        );
      },
      isPathRefusal,
    );
  },
};

export const artifactsDownloadCommand: CliCommand = {
  name: 'artifacts download',
  summary: 'Download the artifacts of a run (a folder, recursively, or one file) into a local folder; entries of a listing that would land outside it are refused and listed.',
  usage: 'artifacts download --run-id ID [--path P] --dest DIR [--tracking-uri URI]',
  async run(args, io) {
    let refusedAny = false;
    const code = await runListCommand(
      artifactsDownloadCommand,
      io,
      async () => {
        const flags = parseFlags(args, { 'run-id': 'string', path: 'string', dest: 'string', 'tracking-uri': 'string' });
        const runId = requiredRunId(flags);
        const artifactPath = artifactPathFlag(flags);
        const destFlag = oneFlag(flags, 'dest');
        if (!destFlag) throw new CliUsageError('--dest DIR is required');
        const dest = path.resolve(destFlag);
        if (fs.existsSync(dest) && !fs.statSync(dest).isDirectory()) throw new CliUsageError(`--dest ${dest} is a file, not a folder`);
        const { client } = connect(flags);
        const report = await downloadArtifactTree(client, runId, artifactPath, dest, {
          onFile: (f) => io.out(`${printableName(f.path)}  (${f.bytes} bytes)`),
        });
        for (const r of report.refused) io.err(`refused ${JSON.stringify(r.path)}: ${r.reason}`);
        io.out(`Downloaded ${report.written.length} file${report.written.length === 1 ? '' : 's'} to ${dest}.`);
        if (report.refused.length > 0) {
          refusedAny = true;
          io.err(`mlflow-wb artifacts download: ${report.refused.length} entr${report.refused.length === 1 ? 'y' : 'ies'} of the server's listing refused (see above); nothing was written outside ${dest}.`);
        }
      },
      isPathRefusal,
    );
    return code === 0 && refusedAny ? 1 : code;
  },
};

export const artifactsCommands: CliCommand[] = [artifactsListCommand, artifactsDownloadCommand];
