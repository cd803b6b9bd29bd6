import * as crypto from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ARCHIVE_ROOT } from './projectArchive';

// The `jobs` protocol: a Jobs API 2.1+ multi-task `runs/submit` whose one `spark_python_task` runs the
// entry point on the driver with MLflow's own project runner (the code of `mlflow run`, backend local,
// env manager local: the environment is the task's libraries or the serverless environment).

export const TASK_KEY = 'mlflow_project';
export const ENVIRONMENT_KEY = 'mlflow_project_env';

/** Where a jobs-protocol launch computes: a job cluster (or an existing one) with libraries, or serverless. */
export type JobsCompute =
  { kind: 'cluster'; newCluster?: Record<string, unknown>; existingClusterId?: string; libraries: unknown[] } | { kind: 'serverless'; dependencies: string[] };

export interface DriverTaskParameters {
  archivePath: string;
  entryPoint: string;
  parameters: Record<string, string>;
  mlflowRunId: string;
  experimentId: string;
  trackingUri: string;
}

/**
 * The driver script (the task's `python_file`): extracts the project snapshot and runs the entry
 * point with `mlflow.projects.run` into the MLflow run created at launch, as `mlflow run` does
 * locally (parameter substitution, type checks and quoting are MLflow's own). Everything it needs
 * comes as task parameters: serverless tasks get no custom environment variables.
 */
export const DRIVER_SCRIPT = `"""Written by MLflow Workbench: runs an MLflow project entry point on the Databricks driver."""
import argparse
import json
import os
import sys
import tarfile
import tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--project-archive", required=True)
parser.add_argument("--entry-point", required=True)
parser.add_argument("--run-id", required=True)
parser.add_argument("--experiment-id", required=True)
parser.add_argument("--tracking-uri", required=True)
parser.add_argument("--parameters", default="{}")
args = parser.parse_args()

os.environ["MLFLOW_TRACKING_URI"] = args.tracking_uri
os.environ["MLFLOW_EXPERIMENT_ID"] = args.experiment_id
work = tempfile.mkdtemp(prefix="mlflow-wb-project-")
with tarfile.open(args.project_archive, "r:gz") as tar:
    if hasattr(tarfile, "data_filter"):
        tar.extractall(work, filter="data")
    else:
        tar.extractall(work)
project_dir = os.path.join(work, "${ARCHIVE_ROOT}")

import mlflow
import mlflow.projects
from mlflow.projects.utils import MLFLOW_LOCAL_BACKEND_RUN_ID_CONFIG

print(f"=== MLflow Workbench: mlflow run {project_dir} -e {args.entry_point} (run {args.run_id}) ===", flush=True)
try:
    mlflow.projects.run(
        project_dir,
        entry_point=args.entry_point,
        parameters=json.loads(args.parameters),
        experiment_id=args.experiment_id,
        backend="local",
        backend_config={MLFLOW_LOCAL_BACKEND_RUN_ID_CONFIG: args.run_id},
        env_manager="local",
        synchronous=True,
    )
finally:
    # The local runner tags its backend "local"; this run was launched on Databricks.
    try:
        mlflow.tracking.MlflowClient().set_tag(args.run_id, "mlflow.project.backend", "databricks")
    except Exception as err:  # the run's own result matters more
        print(f"could not tag the run: {err}", file=sys.stderr)
`;

/** The driver script's name: content-addressed, so an unchanged script is uploaded once. */
export function driverScriptName(): string {
  return `mlflow_wb_driver_${crypto.createHash('sha256').update(DRIVER_SCRIPT).digest('hex').slice(0, 12)}.py`;
}

/** The task's `parameters`: each value one argv element, given verbatim (no shell between). */
export function driverTaskParameters(p: DriverTaskParameters): string[] {
  return [
    '--project-archive',
    p.archivePath,
    '--entry-point',
    p.entryPoint,
    '--run-id',
    p.mlflowRunId,
    '--experiment-id',
    p.experimentId,
    '--tracking-uri',
    p.trackingUri,
    '--parameters',
    JSON.stringify(p.parameters),
  ];
}

/** The multi-task `runs/submit` body: one spark_python_task, its compute, an idempotency token. */
export function jobsSubmitBody(options: {
  runName: string;
  idempotencyToken: string;
  pythonFile: string;
  parameters: string[];
  compute: JobsCompute;
}): Record<string, unknown> {
  const task: Record<string, unknown> = {
    task_key: TASK_KEY,
    spark_python_task: { python_file: options.pythonFile, parameters: options.parameters },
  };
  const body: Record<string, unknown> = { run_name: options.runName, idempotency_token: options.idempotencyToken, tasks: [task] };
  const c = options.compute;
  if (c.kind === 'serverless') {
    task.environment_key = ENVIRONMENT_KEY;
    body.environments = [{ environment_key: ENVIRONMENT_KEY, spec: { client: '2', dependencies: c.dependencies } }];
  } else {
    if (c.existingClusterId) task.existing_cluster_id = c.existingClusterId;
    else task.new_cluster = c.newCluster;
    if (c.libraries.length > 0) task.libraries = c.libraries;
  }
  return body;
}

/**
 * The pip dependencies of an MLproject environment file (python_env.yaml `dependencies`, conda.yaml
 * `dependencies: [{pip: [...]}]`, requirements*.txt lines), as written (after placeholder rewriting).
 * Options (`-r`, `--index-url`) and conda packages are left out.
 */
export function environmentDependencies(fileName: string, text: string): string[] {
  let lines: unknown[] = [];
  if (/\.txt$/i.test(fileName)) {
    lines = text.split('\n');
  } else {
    const doc = parseYaml(text) as { dependencies?: unknown[] } | null;
    const deps = Array.isArray(doc?.dependencies) ? doc!.dependencies : [];
    const isConda = deps.some((d) => d && typeof d === 'object') || /conda/i.test(fileName);
    lines = isConda
      ? deps.flatMap((d) => (d && typeof d === 'object' && Array.isArray((d as { pip?: unknown[] }).pip) ? (d as { pip: unknown[] }).pip : []))
      : deps;
  }
  return lines
    .filter((l): l is string => typeof l === 'string')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('-'));
}

/** A dependency as a task library: a `.whl` path → `{whl}`, anything else → `{pypi: {package}}`. */
export function dependencyAsLibrary(dependency: string): Record<string, unknown> {
  if (/^(\/|dbfs:\/).*\.whl$/i.test(dependency)) return { whl: dependency };
  return { pypi: { package: dependency } };
}

/** True when a requirement (or library) names the mlflow distribution (mlflow, mlflow==3.1, mlflow[extras]). */
export function namesMlflow(requirement: string): boolean {
  return /^mlflow(-skinny)?\s*($|[=<>!~[;@ ])/i.test(requirement.trim());
}

/** Libraries without duplicates (same JSON), first kept. */
export function uniqueLibraries(libraries: unknown[]): unknown[] {
  const seen = new Set<string>();
  return libraries.filter((l) => {
    const key = JSON.stringify(l);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `dbfs:/...` or `/dbfs/...` libraries (other than `dbfs:/Volumes`) that a Runtime 15.0+ cluster
 * refuses: libraries from DBFS root are disabled there (15.1 in the libraries docs, 15.0 in the
 * release notes). Returns the first such path, or undefined.
 */
export function dbfsRootLibraryRefused(sparkVersion: unknown, libraries: unknown[]): string | undefined {
  if (typeof sparkVersion !== 'string') return undefined;
  const major = /^(\d+)\./.exec(sparkVersion)?.[1];
  if (!major || Number(major) < 15) return undefined;
  for (const library of libraries) {
    if (!library || typeof library !== 'object') continue;
    for (const value of Object.values(library)) {
      const m = typeof value === 'string' ? /^(?:dbfs:|\/dbfs)(\/.*)$/.exec(value.trim()) : null;
      if (m && !m[1]!.startsWith('/Volumes/')) return value as string;
    }
  }
  return undefined;
}
