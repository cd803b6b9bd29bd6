import * as path from 'node:path';
import { ARCHIVE_ROOT } from './projectArchive';

// The task definitions `mlflow run -b databricks` submits, as in mlflow/projects/databricks.py
// (MLflow 3.17): same paths, same shell command, character for character.

const DB_CONTAINER_BASE = '/databricks/mlflow';
const DB_TARFILE_BASE = `${DB_CONTAINER_BASE}/project-tars`;
const DB_PROJECTS_BASE = `${DB_CONTAINER_BASE}/projects`;
export const DBFS_EXPERIMENT_DIR_BASE = 'mlflow-experiments';
const MLFLOW_LOCAL_BACKEND_RUN_ID_CONFIG = '_mlflow_local_backend_run_id';

/** Python's shlex.quote. */
export function shlexQuote(s: string): string {
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** `dbfs:/mlflow-experiments/<experiment>/projects-code/<name>` without the scheme (as MLflow's dbfs_path). */
export function projectCodeDbfsPath(experimentId: string, fileName: string): string {
  return `${DBFS_EXPERIMENT_DIR_BASE}/${experimentId}/projects-code/${fileName}`;
}

/** `_get_project_dir_and_extracting_tar_command` */
export function projectDirAndExtractCommand(dbfsFuseTarUri: string): { projectDir: string; command: string } {
  const base = path.posix.basename(dbfsFuseTarUri);
  const tarHash = base.replace(/(\.[^.]*)?$/, '').replace(/(\.[^.]*)?$/, '');
  const containerTarPath = path.posix.join(DB_TARFILE_BASE, base);
  const projectDir = path.posix.join(DB_PROJECTS_BASE, tarHash);
  const command = [
    '',
    '# Make local directories in the container into which to copy/extract the tarred project',
    `mkdir -p ${DB_TARFILE_BASE} ${DB_PROJECTS_BASE} &&`,
    '# Rsync from DBFS FUSE to avoid copying archive into local filesystem if it already exists',
    `rsync -a -v --ignore-existing ${dbfsFuseTarUri} ${DB_TARFILE_BASE} &&`,
    "# Extract project into a temporary directory. We don't extract directly into the desired",
    "# directory as tar extraction isn't guaranteed to be atomic",
    'cd $(mktemp -d) &&',
    `tar --no-same-owner -xzvf ${containerTarPath} &&`,
    '# Atomically move the extracted project into the desired directory',
    `mv -T ${ARCHIVE_ROOT} ${projectDir}`,
  ].join('\n');
  return { projectDir, command };
}

/** `_get_cluster_mlflow_run_cmd` */
function clusterMlflowRunArgs(
  projectDir: string,
  runId: string | undefined,
  entryPoint: string,
  parameters: Record<string, string>,
  envManager: string | undefined,
): string[] {
  const cmd = ['mlflow', 'run', projectDir, '--entry-point', entryPoint];
  if (envManager) cmd.push('--env-manager', envManager);
  const arr = cmd.map(shlexQuote);
  if (runId) arr.push('-c', pythonJsonDumps({ [MLFLOW_LOCAL_BACKEND_RUN_ID_CONFIG]: runId }));
  for (const [key, value] of Object.entries(parameters)) arr.push('-P', `${key}=${value}`);
  return arr;
}

/** `_get_databricks_run_cmd`: the `shell_command_task.command` (["bash", "-c", script]). */
export function databricksRunCommand(
  dbfsFuseTarUri: string,
  runId: string | undefined,
  entryPoint: string,
  parameters: Record<string, string>,
  envManager: string | undefined,
): string[] {
  const { projectDir, command } = projectDirAndExtractCommand(dbfsFuseTarUri);
  const mlflowRunCmd = clusterMlflowRunArgs(projectDir, runId, entryPoint, parameters, envManager).map(shlexQuote).join(' ');
  // The f-string after textwrap.dedent: the inserted lines have no indent, so only blank lines change.
  const script = `\n    export PATH=$PATH:$DB_HOME/python/bin &&\n    mlflow --version &&\n    ${command} &&\n    ${mlflowRunCmd}\n    `;
  return ['bash', '-c', script.replace(/^[ \t]+$/gm, '')];
}

/** The python file MLflow generates for a `databricks_spark_job` project (run_databricks_spark_job). */
export function sparkJobWrapper(envVars: Record<string, string>, dbfsFuseTarUri: string, originalJobCode: string): string {
  const { projectDir, command } = projectDirAndExtractCommand(dbfsFuseTarUri);
  return `
import os
import subprocess
os.environ.update(${pythonJsonDumps(envVars)})

extracting_tar_command = """
${command}
"""
subprocess.check_call(extracting_tar_command, shell=True)

os.chdir('${projectDir}')
${originalJobCode}
`;
}

/** Python's json.dumps for a flat string dict (", " and ": " separators, ASCII escapes). */
export function pythonJsonDumps(value: Record<string, string>): string {
  const str = (s: string) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `{${Object.entries(value)
    .map(([k, v]) => `${str(k)}: ${str(v)}`)
    .join(', ')}}`;
}
