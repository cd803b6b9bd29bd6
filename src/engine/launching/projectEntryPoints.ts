import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDirectory, pathExists } from '../workspace/pathExists';
import { offsetToLineColumn, type ValidationDiagnostic } from '../validation/diagnostic';
import { validateTextAsync } from '../validation/validateFile';
import { parseYaml } from '../validation/yamlFastParser';
import { getPair, type YNode } from '../validation/yamlTree';

export type ParameterType = 'string' | 'float' | 'path' | 'uri';

export interface EntryPointParameter {
  name: string;
  type: ParameterType;
  /** The default as MLflow would pass it (the YAML text of a plain scalar); undefined = required. */
  default?: string;
}

export interface ProjectEntryPoint {
  name: string;
  parameters: EntryPointParameter[];
  command: string;
}

/** MLflow 3's `databricks_spark_job` section. */
export interface DatabricksSparkJobSpec {
  pythonFile?: string;
  parameters: string[];
  pythonLibraries: string[];
}

export interface ProjectDescription {
  name?: string;
  /** Absolute path of the MLproject file; undefined when the folder has none (MLflow then uses conda.yaml). */
  mlprojectPath?: string;
  entryPoints: ProjectEntryPoint[];
  /** Error-severity findings of the MLproject validator: launching is refused while there are any. */
  errors: ValidationDiagnostic[];
  /** The same errors as `MLproject:<line>:<column>: <message>` lines (1-based), for messages. */
  errorLines: string[];
  databricksSparkJob?: DatabricksSparkJobSpec;
  environment?: { kind: 'python_env' | 'conda_env' | 'docker_env'; file?: string };
}

/** The MLproject file of a folder, found case-insensitively as MLflow does. */
export async function findMlprojectFile(projectDir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await fs.promises.readdir(projectDir);
  } catch {
    return undefined;
  }
  const name = names.find((n) => n.toLowerCase() === 'mlproject');
  return name ? path.join(projectDir, name) : undefined;
}

/** Reads and validates a project's MLproject: its entry points with their parameters, and its errors. */
export async function readProject(projectDir: string): Promise<ProjectDescription> {
  const dir = path.resolve(projectDir);
  if (!(await isDirectory(dir))) {
    const message = `The project folder ${dir} does not exist.`;
    return { entryPoints: [], errors: [{ code: 'launch/no-project', severity: 'error', message, range: { start: 0, end: 0 } }], errorLines: [message] };
  }
  const file = await findMlprojectFile(dir);
  if (!file) return { entryPoints: [], errors: [], errorLines: [] };
  const text = await fs.promises.readFile(file, 'utf8');
  const errors = (await validateTextAsync('mlproject', text, file)).filter((d) => d.severity === 'error');
  const errorLines = errors.map((d) => {
    const { line, column } = offsetToLineColumn(text, d.range.start);
    return `${path.basename(file)}:${line + 1}:${column + 1}: ${d.message}`;
  });
  const description: ProjectDescription = { mlprojectPath: file, entryPoints: [], errors, errorLines };
  const root = parseYaml(text).root;
  if (!root || root.kind !== 'map') return description;
  const name = scalarText(text, getPair(root, 'name')?.value ?? null);
  if (name !== undefined) description.name = name;
  for (const kind of ['python_env', 'conda_env', 'docker_env'] as const) {
    const pair = getPair(root, kind);
    if (pair) description.environment = { kind, file: scalarText(text, pair.value) };
  }
  const entryPoints = getPair(root, 'entry_points')?.value;
  if (entryPoints?.kind === 'map') {
    for (const pair of entryPoints.items) {
      const epName = String(pair.key.value);
      const body = pair.value;
      if (!body || body.kind !== 'map') continue;
      description.entryPoints.push({
        name: epName,
        command: scalarText(text, getPair(body, 'command')?.value ?? null) ?? '',
        parameters: readParameters(text, getPair(body, 'parameters')?.value ?? null),
      });
    }
  }
  const spark = getPair(root, 'databricks_spark_job')?.value;
  if (spark?.kind === 'map') {
    description.databricksSparkJob = {
      pythonFile: scalarText(text, getPair(spark, 'python_file')?.value ?? null),
      parameters: listOfText(text, getPair(spark, 'parameters')?.value ?? null),
      pythonLibraries: listOfText(text, getPair(spark, 'python_libraries')?.value ?? null),
    };
  }
  return description;
}

function readParameters(text: string, node: YNode | null): EntryPointParameter[] {
  if (!node || node.kind !== 'map') return [];
  return node.items.map((pair) => {
    const name = String(pair.key.value);
    const value = pair.value;
    // Short form `alpha: float`, long form `alpha: {type: float, default: 0.1}` (type defaults to string).
    if (value && value.kind === 'map') {
      const type = (scalarText(text, getPair(value, 'type')?.value ?? null) ?? 'string') as ParameterType;
      const defaultNode = getPair(value, 'default')?.value ?? null;
      const def = defaultNode && !(defaultNode.kind === 'scalar' && defaultNode.value === null) ? scalarText(text, defaultNode) : undefined;
      return def === undefined ? { name, type } : { name, type, default: def };
    }
    return { name, type: (scalarText(text, value) ?? 'string') as ParameterType };
  });
}

/** A scalar as MLflow's str() of the PyYAML value would read: plain scalars keep their source text. */
function scalarText(text: string, node: YNode | null): string | undefined {
  if (!node || node.kind !== 'scalar' || node.value === null) return undefined;
  if (typeof node.value === 'boolean') return node.value ? 'True' : 'False';
  if (node.style === 'plain' && typeof node.value === 'number') return text.slice(node.start, node.end).trim();
  return String(node.value);
}

function listOfText(text: string, node: YNode | null): string[] {
  if (!node || node.kind !== 'seq') return [];
  return node.items.map((item) => scalarText(text, item)).filter((v): v is string => v !== undefined);
}

/**
 * The entry point `name` of a project, or, as `mlflow run` does, a `.py` / `.sh` file of the project
 * run as a script (no parameters). Undefined when neither exists.
 */
async function findEntryPoint(project: ProjectDescription, name: string, projectDir: string): Promise<ProjectEntryPoint | undefined> {
  const declared = project.entryPoints.find((e) => e.name === name);
  if (declared) return declared;
  const ext = path.extname(name);
  if ((ext === '.py' || ext === '.sh') && (await pathExists(path.join(projectDir, name)))) {
    return { name, parameters: [], command: `${ext === '.py' ? 'python' : 'bash'} ${name}` };
  }
  return undefined;
}

/** Python's float(): digits with optional `_` separators, exponent, inf/infinity/nan, surrounding blanks. */
const PY_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.(?:[eE][+-]?\d(?:_?\d)*)?|inf(?:inity)?|nan)$/i;

export function isPythonFloat(value: string): boolean {
  return PY_FLOAT.test(value.trim());
}

/**
 * Problems with the values given for an entry point's parameters, checked before anything starts:
 * required parameters without a value (MLflow's own wording), floats that do not parse, URIs without
 * a scheme (MLflow refuses those too). Empty when the launch may go ahead.
 */
export function checkParameters(entryPoint: ProjectEntryPoint, values: Record<string, string>): string[] {
  const problems: string[] = [];
  const missing = entryPoint.parameters.filter((p) => values[p.name] === undefined && p.default === undefined).map((p) => `'${p.name}'`);
  if (missing.length > 0) problems.push(`No value given for missing parameters: ${missing.join(', ')} (entry point '${entryPoint.name}').`);
  for (const param of entryPoint.parameters) {
    const value = values[param.name] ?? param.default;
    if (value === undefined) continue;
    const given = values[param.name] !== undefined ? 'the value' : 'the default';
    if (param.type === 'float' && !isPythonFloat(value)) {
      problems.push(
        `Parameter '${param.name}' of entry point '${entryPoint.name}' is a float, but ${given} ${JSON.stringify(value)} is not a number (e.g. 0.5, 1e-3).`,
      );
    }
    if (param.type === 'uri' && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
      problems.push(`Expected URI for parameter ${param.name} but got ${value} (give a URI with a scheme, e.g. s3://bucket/data or file:///path).`);
    }
  }
  for (const key of Object.keys(values)) {
    if (!/^[^=\s]+$/.test(key)) problems.push(`Parameter name ${JSON.stringify(key)} cannot be passed as -P name=value: names may not contain '=' or blanks.`);
  }
  return problems;
}

/** Helper for callers: the project's errors and the parameter problems of one launch, as lines. */
export async function launchProblems(
  projectDir: string,
  entryPointName: string,
  values: Record<string, string>,
): Promise<{ project: ProjectDescription; entryPoint?: ProjectEntryPoint; problems: string[] }> {
  const project = await readProject(projectDir);
  if (project.errors.length > 0) {
    return { project, problems: [`The MLproject has errors; fix them before launching:`, ...project.errorLines.map((l) => `  ${l}`)] };
  }
  if (project.mlprojectPath === undefined && !(await pathExists(path.join(projectDir, entryPointName)))) {
    return {
      project,
      problems: [
        `${path.resolve(projectDir)} has no MLproject file and no script '${entryPointName}': add an MLproject with an entry point '${entryPointName}'.`,
      ],
    };
  }
  const entryPoint = await findEntryPoint(project, entryPointName, projectDir);
  if (!entryPoint) {
    if (project.mlprojectPath === undefined) return { project, problems: [] };
    const known = project.entryPoints.map((e) => e.name).join(', ') || 'none';
    return {
      project,
      problems: [
        `Entry point '${entryPointName}' is not in ${path.basename(project.mlprojectPath)} (entry points: ${known}) and is not a .py or .sh file of the project.`,
      ],
    };
  }
  return { project, entryPoint, problems: checkParameters(entryPoint, values) };
}
