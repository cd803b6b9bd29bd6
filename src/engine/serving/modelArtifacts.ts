import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { collectAll, proxiedArtifactPath, type MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { MlflowModelVersion } from '../mlflow/mlflowTypes';
import { parseDbfsArtifactUri } from '../databricks/databricksArtifacts';
import { checkRelativePath } from '../safety/serverPaths';

// Reads files of a logged model (MLmodel, its input example) through the tracking server, for the
// model URIs MLflow 3 hands out: runs:/<run>/<path>, models:/<model id>, models:/<name>/<version|stage>,
// models:/<name>@<alias>, mlflow-artifacts:/..., and local folders.

/** Where a model's files are read from. */
export type ModelLocation =
  | { kind: 'run'; runId: string; path: string }
  /** An MLflow 3 logged model: files at /ajax-api/2.0/mlflow/logged-models/<id>/artifacts/files (server/__init__.py). */
  | { kind: 'logged-model'; modelId: string }
  | { kind: 'proxied'; path: string }
  | { kind: 'local'; dir: string };

export class ModelUriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelUriError';
  }
}

/** Works out where the files of `modelUri` live, asking the registry for models:/ names. */
export async function resolveModelLocation(client: MlflowRestClient, modelUri: string): Promise<ModelLocation> {
  const uri = modelUri.trim();
  const runs = /^runs:\/+([^/]+)\/?(.*)$/.exec(uri);
  if (runs) return { kind: 'run', runId: runs[1], path: runs[2].replace(/\/+$/, '') };
  const models = /^models:\/+(.+?)\/*$/.exec(uri);
  if (models) {
    const rest = models[1];
    const alias = /^([^@]+)@(.+)$/.exec(rest);
    if (alias) return locationOfVersion(client, await client.getModelVersionByAlias(alias[1], alias[2]), uri);
    const slash = rest.lastIndexOf('/');
    if (slash < 0) return { kind: 'logged-model', modelId: rest };
    const name = rest.slice(0, slash);
    const versionOrStage = rest.slice(slash + 1);
    if (/^\d+$/.test(versionOrStage)) return locationOfVersion(client, await client.getModelVersion(name, versionOrStage), uri);
    const model = await client.getRegisteredModel(name);
    const inStage = (model.latest_versions ?? []).filter((v) => (v.current_stage ?? '').toLowerCase() === versionOrStage.toLowerCase());
    const latest = inStage.sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (!latest) throw new ModelUriError(`Registered model '${name}' has no version in stage '${versionOrStage}' (${uri}).`);
    return locationOfVersion(client, latest, uri);
  }
  const proxied = proxiedArtifactPath(uri);
  if (proxied !== undefined) return { kind: 'proxied', path: proxied };
  // A Databricks version's source: dbfs:/databricks/mlflow-tracking/<exp>/<run>/artifacts/<path>, read as the run's artifacts (signed URLs).
  const dbfs = parseDbfsArtifactUri(uri);
  if (dbfs?.kind === 'run') return { kind: 'run', runId: dbfs.runId, path: dbfs.subPath };
  if (dbfs?.kind === 'logged-model') return { kind: 'logged-model', modelId: dbfs.modelId };
  if (uri.startsWith('file:')) return { kind: 'local', dir: fileURLToPath(uri) };
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^[a-z]:[\\/]/i.test(uri)) return { kind: 'local', dir: path.resolve(uri) };
  throw new ModelUriError(
    `Model URI '${uri}' is not supported here: use runs:/<run id>/<path>, models:/<name>/<version>, models:/<name>@<alias>, models:/<model id> or a local folder.`,
  );
}

async function locationOfVersion(client: MlflowRestClient, version: MlflowModelVersion, uri: string): Promise<ModelLocation> {
  if (version.model_id) return { kind: 'logged-model', modelId: version.model_id };
  const source = version.source ?? '';
  if (!source || source === uri) throw new ModelUriError(`Version ${version.version} of '${version.name}' has no usable source (${source || 'none'}).`);
  return resolveModelLocation(client, source);
}

/**
 * The bytes of one file of the model, `file` relative to the model's folder. The name comes from
 * the model's MLmodel (the server's data), so it is checked like any server path: no `..`, not
 * absolute, before it is joined to a local folder or a URL.
 */
export async function readModelFile(client: MlflowRestClient, location: ModelLocation, file: string): Promise<Buffer> {
  try {
    file = checkRelativePath(file, 'model file path');
  } catch (err) {
    throw new ModelUriError((err as Error).message);
  }
  switch (location.kind) {
    case 'local':
      return fs.promises.readFile(path.join(location.dir, file));
    case 'run':
      try {
        return await client.downloadArtifact(location.runId, [location.path, file].filter(Boolean).join('/'));
      } catch (err) {
        // MLflow 3 keeps a run's logged model with the logged model, not in the run's artifacts.
        const modelId = await loggedModelOfRun(client, location.runId, location.path);
        if (!modelId) throw err;
        return readModelFile(client, { kind: 'logged-model', modelId }, file);
      }
    case 'logged-model':
      return client.requestBytes(`ajax-api/2.0/mlflow/logged-models/${encodeURIComponent(location.modelId)}/artifacts/files`, {
        query: { artifact_file_path: file },
      });
    case 'proxied':
      return client.requestBytes(
        `api/2.0/mlflow-artifacts/artifacts/${[location.path, file].filter(Boolean).join('/').split('/').map(encodeURIComponent).join('/')}`,
      );
  }
}

/** The id of the logged model a run logged under `name` (MLflow 3), if any. */
export async function loggedModelOfRun(client: MlflowRestClient, runId: string, name: string): Promise<string | undefined> {
  const run = await client.getRun(runId);
  const experimentId = run.info.experiment_id;
  if (!experimentId) return undefined;
  const models = await collectAll((pageToken) =>
    client.searchLoggedModels({ experimentIds: [experimentId], filter: `source_run_id = '${runId.replace(/'/g, '')}'`, pageToken }),
  );
  const named = models.filter((m) => !name || m.info.name === name);
  return (named[0] ?? (name ? undefined : models[0]))?.info.model_id;
}

export interface InputExample {
  /** A body ready for POST /invocations (MLflow's serving_input_example.json when saved). */
  body: unknown;
  /** The file it was read from, relative to the model's folder. */
  file: string;
}

/**
 * The input example saved with a model (`saved_input_example_info` in its MLmodel; MLflow writes
 * `serving_input_example.json`, already in the invocation format, next to `input_example.json`;
 * see mlflow/models/utils.py _Example). Undefined when the model was logged without an example.
 */
export async function loadInputExample(client: MlflowRestClient, modelUri: string): Promise<InputExample | undefined> {
  const location = await resolveModelLocation(client, modelUri);
  let mlmodelText: string;
  try {
    mlmodelText = (await readModelFile(client, location, 'MLmodel')).toString('utf8');
  } catch (err) {
    throw new ModelUriError(`Could not read the MLmodel file of '${modelUri}': ${(err as Error).message}`);
  }
  const mlmodel = parseYaml(mlmodelText) as { saved_input_example_info?: Record<string, unknown> } | null;
  const info = mlmodel?.saved_input_example_info;
  if (!info) return undefined;
  const servingPath = typeof info.serving_input_path === 'string' ? info.serving_input_path : undefined;
  if (servingPath) {
    return { body: JSON.parse((await readModelFile(client, location, servingPath)).toString('utf8')) as unknown, file: servingPath };
  }
  const examplePath = typeof info.artifact_path === 'string' ? info.artifact_path : 'input_example.json';
  const example = JSON.parse((await readModelFile(client, location, examplePath)).toString('utf8')) as unknown;
  // Older models keep only the raw example: a split-oriented frame, an array or a JSON object.
  const body = info.type === 'dataframe' ? { dataframe_split: example } : { inputs: example };
  return { body, file: examplePath };
}

/** One model a run produced, as the registry and serving take it. */
export interface RunModelSource {
  label: string;
  description: string;
  /** A model URI: `models:/<logged model id>` or `runs:/<run>/<folder>`. */
  source: string;
  modelId?: string;
}

/** The models a run produced: MLflow 3 logged models, then artifact folders holding an MLmodel file. */
export async function runModelSources(client: MlflowRestClient, run: { info: { run_id: string; experiment_id: string } }): Promise<RunModelSource[]> {
  const sources: RunModelSource[] = [];
  try {
    const logged = await client.searchLoggedModels({ experimentIds: [run.info.experiment_id], filter: `source_run_id = '${run.info.run_id}'`, maxResults: 50 });
    for (const m of logged.items) {
      sources.push({ label: m.info.name, description: `logged model ${m.info.model_id}`, source: `models:/${m.info.model_id}`, modelId: m.info.model_id });
    }
  } catch {
    // Servers before MLflow 3 have no logged models: fall back on the artifacts.
  }
  const root = await client.listArtifacts(run.info.run_id);
  if (root.files.some((f) => f.path === 'MLmodel')) sources.push({ label: '(run root)', description: 'runs:/…/', source: `runs:/${run.info.run_id}/` });
  const folders = root.files.filter((f) => f.is_dir).slice(0, 20);
  const listings = await Promise.all(folders.map((f) => client.listArtifacts(run.info.run_id, f.path).catch(() => ({ files: [] }))));
  folders.forEach((folder, i) => {
    if (listings[i].files.some((f) => f.path.endsWith('/MLmodel') || f.path === 'MLmodel')) {
      sources.push({ label: folder.path, description: `runs:/…/${folder.path}`, source: `runs:/${run.info.run_id}/${folder.path}` });
    }
  });
  return sources;
}
