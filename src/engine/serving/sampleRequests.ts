import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InvocationBody, InvocationResult } from './invocationRequest';

// Sample requests kept in the workspace, one folder per model, so a team re-sends the same inputs to
// each new version: `<workspace>/.mlflow/requests/<model key>/<name>.json|.csv`.

export const REQUESTS_FOLDER = path.join('.mlflow', 'requests');

/**
 * The folder name of a model's sample requests: the registered model's name for every version,
 * stage and alias of it (they take the same inputs), the logged model id, or the run and path.
 */
export function modelRequestKey(modelUri: string): string {
  const uri = modelUri.trim();
  let key: string;
  const runs = /^runs:\/+([^/]+)\/?(.*)$/.exec(uri);
  const models = /^models:\/+(.+?)\/*$/.exec(uri);
  if (runs) key = `run-${runs[1]}${runs[2] ? `-${runs[2]}` : ''}`;
  else if (models) {
    const rest = models[1];
    const alias = rest.indexOf('@');
    const slash = rest.lastIndexOf('/');
    key = alias > 0 ? rest.slice(0, alias) : slash > 0 ? rest.slice(0, slash) : rest;
  } else {
    key = path.basename(uri.replace(/[\\/]+$/, '')) || 'model';
  }
  return sanitize(key);
}

/** An endpoint of a Databricks workspace keeps its requests beside the models': `endpoint-<name>`. */
export function endpointRequestKey(endpointName: string): string {
  return sanitize(`endpoint-${endpointName}`);
}

function sanitize(text: string): string {
  const clean = text
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  return clean || 'model';
}

export function requestsFolder(workspaceRoot: string, key: string): string {
  return path.join(workspaceRoot, REQUESTS_FOLDER, key);
}

export interface SampleRequest {
  name: string;
  file: string;
  modifiedMs: number;
}

/** The saved requests of one model, newest first. A missing folder is an empty list. */
export async function listSampleRequests(folder: string): Promise<SampleRequest[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const requests = await Promise.all(
    entries
      .filter((e) => e.isFile() && /\.(json|csv)$/i.test(e.name))
      .map(async (e) => {
        const file = path.join(folder, e.name);
        return { name: e.name, file, modifiedMs: (await fs.promises.stat(file)).mtimeMs };
      }),
  );
  return requests.sort((a, b) => b.modifiedMs - a.modifiedMs || a.name.localeCompare(b.name));
}

/**
 * Writes a request into the model's folder under `baseName` (.json or .csv from its content type)
 * and returns its path. An existing file is never overwritten: a free `-2`, `-3`… name is taken.
 */
export async function saveSampleRequest(folder: string, baseName: string, body: InvocationBody): Promise<string> {
  await fs.promises.mkdir(folder, { recursive: true });
  const ext = body.contentType === 'text/csv' ? '.csv' : '.json';
  const stem = sanitize(baseName.replace(/\.(json|csv)$/i, '')) || 'request';
  const text = body.contentType === 'application/json' ? JSON.stringify(JSON.parse(body.body), null, 2) + '\n' : body.body;
  for (let n = 1; ; n++) {
    const file = path.join(folder, `${stem}${n === 1 ? '' : `-${n}`}${ext}`);
    try {
      await fs.promises.writeFile(file, text, { flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Whether a file is a sample request of some model of this workspace (for the editor's Send button). */
export function isSampleRequestFile(workspaceRoot: string, file: string): boolean {
  const relative = path.relative(path.join(workspaceRoot, REQUESTS_FOLDER), file);
  return !relative.startsWith('..') && !path.isAbsolute(relative) && relative.split(path.sep).length === 2 && /\.(json|csv)$/i.test(relative);
}

/** The model key of a sample request file (its folder's name). */
export function requestKeyOfFile(file: string): string {
  return path.basename(path.dirname(file));
}

/** What the response editor shows: where it went, how it went, and the answer as the server gave it. */
export function formatInvocationResponse(opts: { target: string; request: string; result: InvocationResult; at?: Date }): string {
  const { result } = opts;
  const ok = result.status >= 200 && result.status < 300;
  return (
    JSON.stringify(
      {
        target: opts.target,
        request: opts.request,
        status: result.status,
        ok,
        latencyMs: Math.round(result.latencyMs * 10) / 10,
        at: (opts.at ?? new Date()).toISOString(),
        response: result.body,
      },
      null,
      2,
    ) + '\n'
  );
}
