import * as path from 'node:path';
import type { ValidationDiagnostic } from './diagnostic';
import type { FileContext } from './mlprojectValidator';
import { checkRequirementFile, installsMlflow } from './requirementChecks';
import { checkDuplicateKeys, describe, isString, rangeOf, Reporter, rootIsMapping } from './yamlRuleHelpers';
import { didYouMean } from './didYouMean';
import { keyText, pythonTypeName, type ParsedYaml, type YNode } from './yamlTree';

/** The keyword arguments of MLflow's _PythonEnv.__init__ (mlflow/utils/environment.py). */
const PYTHON_ENV_KEYS = ['python', 'build_dependencies', 'dependencies'];

/** Checks python_env.yaml exactly as `_PythonEnv.from_yaml` reads it (`cls(**yaml.safe_load(f))`). */
export function validatePythonEnv(text: string, parsed: ParsedYaml, context: FileContext): ValidationDiagnostic[] {
  const r = new Reporter(text);
  const root = parsed.root;
  checkDuplicateKeys(r, root);
  const notMapping = (root: YNode | null) =>
    `python_env.yaml must be a mapping with python, build_dependencies and dependencies, but it is ${root ? `a ${pythonTypeName(root)}` : 'empty'}: MLflow fails with "argument after ** must be a mapping".`;
  if (!rootIsMapping(r, root, 'python_env/not-a-mapping', notMapping)) return r.diagnostics;
  for (const pair of root.items) {
    const k = keyText(pair.key);
    if (PYTHON_ENV_KEYS.includes(k)) continue;
    const s = didYouMean(k, PYTHON_ENV_KEYS);
    r.add(
      'python_env/unknown-key',
      'error',
      `_PythonEnv.__init__() got an unexpected keyword argument '${k}' (MLflow fails to read the file)${s ? `: did you mean '${s}'?` : '.'} Keys: ${PYTHON_ENV_KEYS.join(', ')}.`,
      rangeOf(pair.key),
      s ? { fixes: [{ title: `Change '${k}' to '${s}'`, edits: [{ range: rangeOf(pair.key), newText: s }], isPreferred: true }] } : undefined,
    );
  }
  const python = root.items.filter((p) => p.key.value === 'python').at(-1);
  if (!python || !python.value || (python.value.kind === 'scalar' && python.value.value === null)) {
    r.add(
      'python_env/missing-python',
      'info',
      'No python version: MLflow uses the Python version of the machine that runs the project. Pin it, e.g. python: "3.11".',
      python ? rangeOf(python.key) : { start: root.start, end: root.start },
    );
  } else if (!isString(python.value)) {
    const v = python.value;
    const src = text.slice(v.start, v.end);
    r.add(
      'python_env/invalid-python',
      'error',
      `\`python\` must be a string but got <class '${pythonTypeName(v)}'> (MLflow). YAML reads ${src} as a number${v.kind === 'scalar' && typeof v.value === 'number' ? ` (${v.value})` : ''}: quote it.`,
      rangeOf(v),
      v.kind === 'scalar' ? { fixes: [{ title: `Quote "${src}"`, edits: [{ range: rangeOf(v), newText: `"${src}"` }], isPreferred: true }] } : undefined,
    );
  }
  let hasMlflow = false;
  let hasRequirementsFile = false;
  const baseDir = path.dirname(context.filePath);
  for (const key of ['build_dependencies', 'dependencies']) {
    const pair = root.items.filter((p) => p.key.value === key).at(-1);
    if (!pair || !pair.value || (pair.value.kind === 'scalar' && pair.value.value === null)) continue;
    if (pair.value.kind !== 'seq') {
      r.add(
        'python_env/invalid-dependencies',
        'error',
        `\`${key}\` must be a list but got <class '${pythonTypeName(pair.value)}'> (MLflow).`,
        rangeOf(pair.value),
      );
      continue;
    }
    for (const item of pair.value.items) {
      if (!isString(item)) {
        r.add(
          'python_env/invalid-dependencies',
          'error',
          `Every entry of \`${key}\` must be a pip requirement string, but this is ${describe(text, item)}: MLflow fails writing the requirements file.`,
          item ? rangeOf(item) : rangeOf(pair.key),
        );
        continue;
      }
      if (installsMlflow(item.value)) hasMlflow = true;
      if (/^\s*(-r|--requirement)\b/.test(item.value)) hasRequirementsFile = true;
      checkRequirementFile(r, item, baseDir, context, 'python_env/requirement-file-not-found', 'error');
    }
  }
  if (!hasMlflow && !hasRequirementsFile) {
    const deps = root.items.find((p) => p.key.value === 'dependencies');
    r.add(
      'python_env/missing-mlflow',
      'info',
      "mlflow is not among the dependencies: MLflow does not add it, so if the project's code imports mlflow, the run fails in the new virtualenv. Add mlflow to dependencies.",
      deps ? rangeOf(deps.key) : { start: root.start, end: root.start },
    );
  }
  return r.diagnostics;
}
