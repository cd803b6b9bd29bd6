/**
 * What each MLproject key means, in one place, so the validator's key lists, the editor's hover and
 * its completion all agree. Descriptions follow MLflow's documentation and _project_spec.py.
 */
export interface KeyDoc {
  key: string;
  description: string;
  docsUrl: string;
}

const DOCS = 'https://mlflow.org/docs/latest/ml/projects/';

export const MLPROJECT_DOCS_URL = DOCS;

/** Keys at the top of an MLproject file. MLflow ignores any other key silently. */
export const topLevelKeys: readonly KeyDoc[] = [
  { key: 'name', description: 'A human-readable name for the project.', docsUrl: `${DOCS}#mlproject-file` },
  {
    key: 'entry_points',
    description:
      'Commands that can be run with `mlflow run -e <name>`, each with a `command` and optional `parameters`. Without an entry point named `main`, `mlflow run` can still run `.py` and `.sh` files by name.',
    docsUrl: `${DOCS}#specifying-entry-points`,
  },
  {
    key: 'python_env',
    description:
      'Path (relative to the project folder) of a python_env.yaml file: the Python version and pip packages of a virtualenv MLflow creates for the run. At most one of python_env, conda_env and docker_env.',
    docsUrl: `${DOCS}#mlproject-specify-environment`,
  },
  {
    key: 'conda_env',
    description:
      'Path (relative to the project folder) of a conda environment YAML file that MLflow creates for the run (`--env-manager conda`). At most one of python_env, conda_env and docker_env.',
    docsUrl: `${DOCS}#mlproject-specify-environment`,
  },
  {
    key: 'docker_env',
    description:
      'Run the project inside a Docker container: `image` (required), optional `volumes` and `environment`. At most one of python_env, conda_env and docker_env.',
    docsUrl: `${DOCS}#mlproject-specify-environment`,
  },
  {
    key: 'databricks_spark_job',
    description:
      'Run the project as a Databricks Spark job (MLflow 3): `python_file` with `parameters`, or `entry_points` whose commands start with `python`; `python_libraries` are installed from PyPI. Cannot be combined with python_env, conda_env or docker_env.',
    docsUrl: `${DOCS}#run-an-mlflow-project-on-databricks`,
  },
];

export const entryPointKeys: readonly KeyDoc[] = [
  {
    key: 'command',
    description:
      'The shell command to run. `{name}` placeholders are replaced by parameter values (Python `str.format`, so write `{{` and `}}` for literal braces); parameters given with `-P` that the entry point does not declare are appended as `--name value`.',
    docsUrl: `${DOCS}#specifying-entry-points`,
  },
  {
    key: 'parameters',
    description:
      'Parameters of the entry point: `name: type` (short form, no default) or `name: {type: float, default: 0.1}`. A parameter without a default must be passed with `-P name=value`.',
    docsUrl: `${DOCS}#specifying-parameters`,
  },
];

export const parameterKeys: readonly KeyDoc[] = [
  { key: 'type', description: 'One of string, float, path, uri (default: string).', docsUrl: `${DOCS}#specifying-parameters` },
  {
    key: 'default',
    description: 'The value used when `-P name=value` is not given. Without a default the parameter is required.',
    docsUrl: `${DOCS}#specifying-parameters`,
  },
];

export const dockerEnvKeys: readonly KeyDoc[] = [
  {
    key: 'image',
    description: 'The Docker image to run in (required). MLflow builds a new image on top of it that contains the project.',
    docsUrl: `${DOCS}#mlproject-specify-environment`,
  },
  {
    key: 'volumes',
    description: 'Volumes to mount, a list of strings such as "/local/path:/container/path".',
    docsUrl: `${DOCS}#mlproject-specify-environment`,
  },
  {
    key: 'environment',
    description: 'Environment variables: a name copies the variable from the host (the run fails if it is not set there); a [name, value] pair sets a new one.',
    docsUrl: `${DOCS}#mlproject-specify-environment`,
  },
];

export const sparkJobKeys: readonly KeyDoc[] = [
  {
    key: 'python_file',
    description: 'The Python file (relative to the project) run as the Spark job. Not allowed together with entry_points.',
    docsUrl: `${DOCS}#run-an-mlflow-project-on-databricks`,
  },
  {
    key: 'parameters',
    description: 'Command-line arguments passed to python_file (a list of strings).',
    docsUrl: `${DOCS}#run-an-mlflow-project-on-databricks`,
  },
  {
    key: 'python_libraries',
    description: 'PyPI packages installed on the job cluster (a list of requirement strings).',
    docsUrl: `${DOCS}#run-an-mlflow-project-on-databricks`,
  },
];

export interface ParameterTypeDoc {
  type: string;
  description: string;
}

/** The types MLflow's documentation defines. MLflow itself only treats `path` and `uri` specially. */
export const parameterTypes: readonly ParameterTypeDoc[] = [
  { type: 'string', description: 'Any text (the default type). Passed to the command as is, shell-quoted.' },
  { type: 'float', description: 'A number. MLflow passes it through as text; it is not converted or checked.' },
  {
    type: 'path',
    description:
      'A local path or a URI; with `mlflow run`, a URI (s3://, dbfs:/, ...) is downloaded first and the local path is passed. A local path must exist.',
  },
  { type: 'uri', description: 'A URI, local or remote (must have a scheme such as file://, s3://, dbfs:/); MLflow fails the run otherwise.' },
];

export const keyDocsByLevel = {
  topLevel: topLevelKeys,
  entryPoint: entryPointKeys,
  parameter: parameterKeys,
  dockerEnv: dockerEnvKeys,
  databricksSparkJob: sparkJobKeys,
} as const;
