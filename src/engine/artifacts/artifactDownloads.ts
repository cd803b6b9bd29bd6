import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { CallOptions, MlflowFileInfo } from '../mlflow/mlflowTypes';
import { checkPathSegment, folderInside, realRoot, relativePathSegments, streamFileInside, UnsafeServerPathError } from '../safety/serverPaths';

// Run artifacts written to disk: one file into the product's cache (opening an artifact from the
// Runs view or the run details panel) and a whole folder into a destination (`mlflow-wb artifacts
// download`). Both go through serverPaths: the run id and every path of a listing are checked
// before they touch a path, and nothing is written outside the chosen folder. The client reads
// the bytes the same way everywhere, including Databricks' signed URLs, and streams them to disk
// (memory stays bounded whatever the size of an artifact).

/** The calls this module makes on a tracking server or workspace. */
export type ArtifactReader = Pick<MlflowRestClient, 'listArtifacts' | 'downloadArtifact'>;

/** Folders deeper than this in a listing are refused (a server could otherwise list forever). */
const MAX_ARTIFACT_DEPTH = 64;

/**
 * Downloads one artifact file of a run to `<cacheRoot>/<run id>/<artifact path>` and returns the
 * local file. The run id must be one plain folder name and the path a relative one without `..`:
 * anything else is refused before the server is asked for the bytes.
 */
export async function downloadArtifactToCache(
  client: ArtifactReader,
  cacheRoot: string,
  runId: string,
  artifactPath: string,
  o: CallOptions = {},
): Promise<string> {
  checkPathSegment(runId, 'run id');
  const relative = relativePathSegments(artifactPath, 'artifact path').join('/');
  if (!relative) throw new UnsafeServerPathError('No artifact path was given: there is no file to open.', artifactPath);
  const runFolder = folderInside(await realRoot(cacheRoot), [runId], 'run id');
  return streamFileInside(runFolder, relative, async (temporary) => {
    await client.downloadArtifact(runId, relative, { ...o, toFile: temporary });
  });
}

/** A listing entry that was not downloaded, and why. */
export interface RefusedArtifact {
  /** The path as the server sent it. */
  path: string;
  reason: string;
}

export interface ArtifactDownloadReport {
  /** Artifact path (relative to the run's root) and the local file, in download order. */
  written: { path: string; file: string; bytes: number }[];
  refused: RefusedArtifact[];
}

export interface ArtifactDownloadOptions extends CallOptions {
  /** Called after each file is written. */
  onFile?: (entry: { path: string; file: string; bytes: number }) => void;
}

/**
 * Downloads the artifact at `artifactPath` of a run (a folder, recursively, or one file; the run's
 * whole root when empty) into `dest`, keeping paths relative to the run's root as `mlflow
 * artifacts download` does (`data/x.csv` lands at `<dest>/data/x.csv`). Listing entries that are
 * absolute, climb with `..`, lie outside the folder being listed, or would be written through a
 * symbolic link are refused and reported; nothing is ever written outside `dest`.
 */
export async function downloadArtifactTree(
  client: ArtifactReader,
  runId: string,
  artifactPath: string,
  dest: string,
  o: ArtifactDownloadOptions = {},
): Promise<ArtifactDownloadReport> {
  const start = relativePathSegments(artifactPath, 'artifact path');
  const base = await realRoot(dest);
  const report: ArtifactDownloadReport = { written: [], refused: [] };

  const writeOne = async (segments: string[], shownPath: string): Promise<void> => {
    const relative = segments.join('/');
    try {
      const file = await streamFileInside(base, relative, async (temporary) => {
        await client.downloadArtifact(runId, relative, { ...o, toFile: temporary });
      });
      const entry = { path: relative, file, bytes: (await fs.promises.stat(file)).size };
      report.written.push(entry);
      o.onFile?.(entry);
    } catch (err) {
      if (!(err instanceof UnsafeServerPathError)) throw err;
      report.refused.push({ path: shownPath, reason: err.message });
    }
  };

  const first = await client.listArtifacts(runId, start.join('/') || undefined, o);
  if (start.length > 0 && first.files.length === 0) {
    // Listing a file gives nothing: read it as a file (a missing path fails here with the server's message).
    await writeOne(start, start.join('/'));
    return report;
  }
  const visited = new Set<string>();
  const queue: { segments: string[]; files: MlflowFileInfo[] }[] = [{ segments: start, files: first.files }];
  while (queue.length > 0) {
    const { segments: folder, files } = queue.shift()!;
    for (const f of files) {
      const raw = String(f.path);
      let segments: string[];
      try {
        segments = relativePathSegments(f.path, 'artifact path');
      } catch (err) {
        if (!(err instanceof UnsafeServerPathError)) throw err;
        report.refused.push({ path: raw, reason: err.message });
        continue;
      }
      if (segments.length <= folder.length || folder.some((s, i) => segments[i] !== s)) {
        report.refused.push({
          path: raw,
          reason: `The listing of '${folder.join('/') || '(root)'}' named ${JSON.stringify(raw)}, which is not inside it: refused.`,
        });
        continue;
      }
      if (!f.is_dir) {
        await writeOne(segments, raw);
        continue;
      }
      const key = segments.join('/');
      if (visited.has(key)) continue;
      visited.add(key);
      if (segments.length > MAX_ARTIFACT_DEPTH) {
        report.refused.push({ path: raw, reason: `The folder ${JSON.stringify(raw)} is more than ${MAX_ARTIFACT_DEPTH} levels deep: not listed.` });
        continue;
      }
      const listing = await client.listArtifacts(runId, key, o);
      queue.push({ segments, files: listing.files });
    }
  }
  return report;
}

/** `text` for a terminal: names with control characters (escape sequences) are shown JSON-quoted. */
export function printableName(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? JSON.stringify(text) : text;
}

/** The folder of the artifact cache under a product storage folder. */
export function artifactCacheRoot(storageFolder: string): string {
  return path.join(storageFolder, 'artifacts');
}
