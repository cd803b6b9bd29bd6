import * as path from 'node:path';
import type { ValidationDiagnostic } from './diagnostic';
import type { FileContext } from './mlprojectValidator';
import { checkRequirementFile, installsMlflow } from './requirementChecks';
import { checkDuplicateKeys, checkKnownKeys, describe, isString, rangeOf, Reporter, rootIsMapping } from './yamlRuleHelpers';
import { getPair, pythonTypeName, type ParsedYaml, type YNode, type YScalar } from './yamlTree';

const CONDA_KEYS = ['name', 'channels', 'dependencies', 'prefix', 'variables'];

/** Checks a conda environment file as conda and MLflow (conda or virtualenv env manager) read it. */
export function validateCondaEnv(text: string, parsed: ParsedYaml, context: FileContext): ValidationDiagnostic[] {
  const r = new Reporter(text);
  const root = parsed.root;
  checkDuplicateKeys(r, root);
  const notMapping = (root: YNode | null) =>
    `A conda environment file must be a mapping with name, channels and dependencies, but it is ${root ? `a ${pythonTypeName(root)}` : 'empty'}.`;
  if (!rootIsMapping(r, root, 'conda/not-a-mapping', notMapping)) return r.diagnostics;
  checkKnownKeys(r, root, CONDA_KEYS, 'conda/unknown-key', 'the conda environment', 'conda rejects or ignores it.');
  const name = getPair(root, 'name');
  if (name && !isString(name.value))
    r.add(
      'conda/invalid-name',
      'error',
      `'name' must be a string, but it is ${describe(text, name.value)}.`,
      name.value ? rangeOf(name.value) : rangeOf(name.key),
    );
  const channels = getPair(root, 'channels');
  if (channels) stringList(r, channels.value, channels.key, 'channels', 'conda/invalid-channels');

  const deps = getPair(root, 'dependencies');
  if (!deps) {
    r.add(
      'conda/missing-python',
      'info',
      "No 'dependencies': the environment has no python pinned and no mlflow; if the project's code imports mlflow, the run fails. Add python=3.x and mlflow.",
      rangeOf(root.items[0]?.key ?? root),
    );
    return r.diagnostics;
  }
  if (!deps.value || deps.value.kind !== 'seq') {
    r.add(
      'conda/invalid-dependencies',
      'error',
      `'dependencies' must be a list of conda packages and an optional {pip: [...]} entry, but it is ${describe(text, deps.value)}.`,
      deps.value ? rangeOf(deps.value) : rangeOf(deps.key),
    );
    return r.diagnostics;
  }
  let python: YScalar | undefined;
  let hasMlflow = false;
  let hasRequirementsFile = false;
  const baseDir = path.dirname(context.filePath);
  for (const item of deps.value.items) {
    if (isString(item)) {
      const m = /^python(?:\s*(<=|>=|==|=|<|>|!=)\s*([\w.*]+))?\s*$/.exec(item.value.trim());
      if (m && !python) {
        python = item;
        if (!m[1]) {
          r.add(
            'conda/unpinned-python',
            'warning',
            `python is not pinned: MLflow's virtualenv env manager fails with "Invalid dependency for python: ${item.value}. It must be pinned (e.g. python=3.8.13).", and conda picks whatever is newest. Pin it, e.g. python=3.11.`,
            rangeOf(item),
          );
        } else if (m[1] === '<' || m[1] === '>' || m[1] === '!=') {
          r.add(
            'conda/python-comparator',
            'warning',
            `Invalid version comparator for python: '${m[1]}'. Must be one of ['<=', '>=', '=', '=='] (MLflow, with --env-manager virtualenv).`,
            rangeOf(item),
          );
        }
      }
      if (installsMlflow(item.value)) hasMlflow = true;
      continue;
    }
    if (item && item.kind === 'map') {
      const pip = getPair(item, 'pip');
      if (!pip) {
        r.add(
          'conda/invalid-dependency',
          'error',
          `Invalid conda dependency: ${describe(text, item)}. Must be str or dict in the form of {"pip": [...]} (MLflow).`,
          rangeOf(item),
        );
        continue;
      }
      if (!pip.value || pip.value.kind !== 'seq') {
        r.add(
          'conda/invalid-pip',
          'error',
          `'pip' must be a list of pip requirement strings, but it is ${describe(text, pip.value)}.`,
          pip.value ? rangeOf(pip.value) : rangeOf(pip.key),
        );
        continue;
      }
      for (const req of pip.value.items) {
        if (!req || req.kind !== 'scalar' || req.value === null) {
          const src = req ? text.slice(req.start, req.end) : '';
          const hint = src.startsWith('{{') ? ' Unquoted {{...}} is a YAML mapping, not text: quote it, e.g. "{{wheel_path}}".' : '';
          r.add(
            'conda/invalid-pip',
            'error',
            `Every pip requirement must be a string, but this is ${describe(text, req)}.${hint}`,
            req ? rangeOf(req) : rangeOf(pip.key),
          );
          continue;
        }
        const s = String(req.value);
        if (installsMlflow(s)) hasMlflow = true;
        if (/^\s*(-r|--requirement)\b/.test(s)) hasRequirementsFile = true;
        checkRequirementFile(r, req, baseDir, context, 'conda/requirement-file-not-found', 'error');
      }
      continue;
    }
    r.add(
      'conda/invalid-dependency',
      'error',
      `Invalid conda dependency: ${describe(text, item)}. Must be str or dict in the form of {"pip": [...]} (MLflow).`,
      item ? rangeOf(item) : rangeOf(deps.key),
    );
  }
  if (!python) {
    r.add(
      'conda/missing-python',
      'info',
      'No python in dependencies: conda picks the newest version it can solve for, and MLflow (virtualenv) warns and uses the current one. Pin it, e.g. python=3.11, for repeatable runs.',
      rangeOf(deps.key),
    );
  }
  if (!hasMlflow && !hasRequirementsFile) {
    r.add(
      'conda/missing-mlflow',
      'info',
      "mlflow is not among the dependencies: MLflow does not add it, so if the project's code imports mlflow, the run fails in the new environment. Add mlflow under pip:.",
      rangeOf(deps.key),
    );
  }
  return r.diagnostics;
}

function stringList(r: Reporter, v: YNode | null, key: YScalar, what: string, code: string): void {
  if (!v || v.kind !== 'seq') {
    r.add(code, 'error', `'${what}' must be a list of strings, but it is ${describe(r.text, v)}.`, v ? rangeOf(v) : rangeOf(key));
    return;
  }
  for (const i of v.items)
    if (!isString(i)) r.add(code, 'error', `Every entry of '${what}' must be a string, but this is ${describe(r.text, i)}.`, i ? rangeOf(i) : rangeOf(key));
}
