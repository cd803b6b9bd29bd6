import * as path from 'node:path';
import type { ValidationDiagnostic, ValidationFix } from './diagnostic';
import { didYouMean } from './didYouMean';
import { dockerEnvKeys, entryPointKeys, MLPROJECT_DOCS_URL, parameterKeys, parameterTypes, sparkJobKeys, topLevelKeys } from './mlprojectSchema';
import { parsePythonFormat } from './pythonFormat';
import {
  checkDuplicateKeys,
  checkKnownKeys,
  clip,
  describe,
  isString,
  pairRange,
  rangeOf,
  removePairFix,
  Reporter,
  rootIsMapping,
  scalarSubRange,
} from './yamlRuleHelpers';
import { getPair, keyText, pythonTypeName, type ParsedYaml, type YMap, type YNode, type YPair, type YScalar } from './yamlTree';

export interface FileContext {
  /** Absolute path of the file being validated. */
  filePath: string;
  fileExists(p: string): boolean;
}

const ENV_KEYS = ['docker_env', 'python_env', 'conda_env'] as const; // env_type.ALL, in MLflow's order
const KNOWN_TYPES = parameterTypes.map((t) => t.type);
const TOP_KEYS = topLevelKeys.map((k) => k.key);
const ENTRY_POINT_KEYS = entryPointKeys.map((k) => k.key);
const PARAMETER_KEYS = parameterKeys.map((k) => k.key);
/** `description` documents a parameter; MLflow ignores it, and so does the validator. */
const PARAMETER_KEYS_ACCEPTED = [...PARAMETER_KEYS, 'description'];
const DOCKER_KEYS = dockerEnvKeys.map((k) => k.key);
const SPARK_KEYS = sparkJobKeys.map((k) => k.key);

const CONDA_TEMPLATE = `name: mlflow-env
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - mlflow
`;

const PYTHON_ENV_TEMPLATE = `python: "3.11"
build_dependencies:
  - pip
dependencies:
  - mlflow
`;

/** Large projects name the same script in many entry points: ask the file system once per path. */
function memoizedContext(context: FileContext): FileContext {
  const seen = new Map<string, boolean>();
  return {
    filePath: context.filePath,
    fileExists(p: string): boolean {
      let v = seen.get(p);
      if (v === undefined) {
        v = context.fileExists(p);
        seen.set(p, v);
      }
      return v;
    },
  };
}

/** path.resolve(dir, rel), cached: the same relative path repeats across entry points. */
const resolvedCache = new Map<string, string>();
function resolveIn(dir: string, rel: string): string {
  const k = dir + '\0' + rel;
  let v = resolvedCache.get(k);
  if (v === undefined) {
    if (resolvedCache.size > 5000) resolvedCache.clear();
    v = path.resolve(dir, rel);
    resolvedCache.set(k, v);
  }
  return v;
}

/** Checks an MLproject document exactly as MLflow's loader and `mlflow run` would, plus likely mistakes. */
export function validateMlproject(text: string, parsed: ParsedYaml, context: FileContext): ValidationDiagnostic[] {
  const r = new Reporter(text);
  const dir = path.dirname(context.filePath);
  const root = parsed.root;
  context = memoizedContext(context);
  checkDuplicateKeys(r, root);

  const notMapping = (root: YNode | null) =>
    root
      ? `The MLproject file must be a YAML mapping of keys (name, entry_points, ...), but it is a ${pythonTypeName(root)}: MLflow fails with "'${pythonTypeName(root)}' object has no attribute 'keys'".`
      : `The MLproject file is empty: MLflow fails with "'NoneType' object has no attribute 'keys'". Add at least 'name' and 'entry_points'.`;
  if (!rootIsMapping(r, root, 'mlproject/not-a-mapping', notMapping)) return r.diagnostics;

  checkKnownKeys(r, root, TOP_KEYS, 'mlproject/unknown-key', 'the MLproject file', 'MLflow ignores it.');

  // Multiple environment fields: MLflow checks key presence (even a null value counts).
  const envPairs = root.items.filter((p) => (ENV_KEYS as readonly string[]).includes(keyText(p.key)));
  const envNames = [...new Set(envPairs.map((p) => keyText(p.key)))];
  if (envNames.length > 1) {
    const firstName = envNames[0];
    for (const p of envPairs.filter((p) => keyText(p.key) !== firstName)) {
      r.add(
        'mlproject/multiple-environments',
        'error',
        `Project cannot contain multiple environment fields: {${envNames.map((n) => `'${n}'`).join(', ')}} (MLflow). Keep one of them.`,
        rangeOf(p.key),
        { fixes: [removePairFix(r, root, p, `Remove '${keyText(p.key)}'`)] },
      );
    }
  }

  // With docker_env the command runs in the container, in the image's working directory (the project
  // folder is copied in only with --build-image): whether a script exists there depends on the image.
  const inDocker = truthy(getPair(root, 'docker_env')?.value ?? null) && !getPair(root, 'databricks_spark_job');
  const entryPoints = checkEntryPoints(r, root, dir, context, !inDocker);
  const spark = getPair(root, 'databricks_spark_job');
  if (spark) checkSparkJob(r, root, spark, entryPoints, dir, context);
  checkDockerEnv(r, root);
  for (const key of ['python_env', 'conda_env'] as const) checkEnvFile(r, root, key, dir, context);
  return r.diagnostics;
}

interface EntryPointInfo {
  pair: YPair;
  map: YMap;
  params: Map<string, { pair: YPair; type: string }>;
  command?: YScalar;
}

function checkEntryPoints(r: Reporter, root: YMap, dir: string, context: FileContext, checkScripts: boolean): EntryPointInfo[] {
  const out: EntryPointInfo[] = [];
  const eps = getPair(root, 'entry_points');
  if (!eps) return out;
  if (!eps.value || eps.value.kind !== 'map') {
    r.add(
      'mlproject/invalid-entry-points',
      'error',
      `'entry_points' must be a mapping of entry point names to {command, parameters}, but it is ${describe(r.text, eps.value)}: MLflow fails with "'${pythonTypeName(eps.value)}' object has no attribute 'items'".`,
      eps.value ? rangeOf(eps.value) : rangeOf(eps.key),
    );
    return out;
  }
  for (const ep of eps.value.items) {
    const name = keyText(ep.key);
    if (!ep.value || ep.value.kind !== 'map') {
      r.add(
        'mlproject/invalid-entry-point',
        'error',
        `Entry point '${name}' must be a mapping with 'command' (and optional 'parameters'), but it is ${describe(r.text, ep.value)}: MLflow fails with "'${pythonTypeName(ep.value)}' object has no attribute 'get'".`,
        ep.value ? rangeOf(ep.value) : rangeOf(ep.key),
      );
      continue;
    }
    const info: EntryPointInfo = { pair: ep, map: ep.value, params: new Map() };
    out.push(info);
    checkKnownKeys(r, ep.value, ENTRY_POINT_KEYS, 'mlproject/unknown-entry-point-key', `entry point '${name}'`, 'MLflow ignores it.');
    checkParameters(r, info, dir, context);
    const command = getPair(ep.value, 'command');
    if (!command || command.value === null || (command.value.kind === 'scalar' && command.value.value === null)) {
      r.add(
        'mlproject/missing-command',
        'error',
        `Entry point '${name}' has no 'command': \`mlflow run -e ${name}\` fails with "'NoneType' object has no attribute 'format'". Add e.g. command: "python ${name}.py".`,
        command ? rangeOf(command.key) : rangeOf(ep.key),
      );
    } else if (!isString(command.value)) {
      r.add(
        'mlproject/invalid-command',
        'error',
        `The command of entry point '${name}' must be a string, but it is a ${pythonTypeName(command.value)}: \`mlflow run\` fails with "'${pythonTypeName(command.value)}' object has no attribute 'format'". Quote it.`,
        rangeOf(command.value),
      );
    } else {
      info.command = command.value;
      checkCommand(r, info, dir, context, checkScripts);
    }
  }
  return out;
}

function checkParameters(r: Reporter, info: EntryPointInfo, dir: string, context: FileContext): void {
  const pp = getPair(info.map, 'parameters');
  if (!pp) return;
  const epName = keyText(info.pair.key);
  if (!pp.value || pp.value.kind !== 'map') {
    // parameters: (null) and lists both break `parameters.items()`.
    r.add(
      'mlproject/invalid-parameters',
      'error',
      `'parameters' of entry point '${epName}' must be a mapping of parameter names to types, but it is ${describe(r.text, pp.value)}: MLflow fails with "'${pythonTypeName(pp.value)}' object has no attribute 'items'".`,
      pp.value ? rangeOf(pp.value) : rangeOf(pp.key),
    );
    return;
  }
  for (const p of pp.value.items) {
    const name = keyText(p.key);
    const v = p.value;
    let typeNode: YScalar | undefined;
    let type = 'string';
    let defaultNode: YNode | null | undefined;
    if (isString(v)) {
      typeNode = v;
      type = v.value;
    } else if (v && v.kind === 'map') {
      checkParameterKeys(r, name, v);
      const t = getPair(v, 'type');
      if (t) {
        if (isString(t.value)) {
          typeNode = t.value;
          type = t.value.value;
        } else if (t.value && t.value.kind === 'scalar') {
          type = String(t.value.value);
          typeNode = t.value;
        }
      }
      const d = getPair(v, 'default');
      defaultNode = d ? d.value : undefined;
    } else {
      r.add(
        'mlproject/invalid-parameter',
        'error',
        `Parameter '${name}' must be a type name (\`${name}: float\`) or a mapping (\`${name}: {type: float, default: 1.0}\`), but it is ${describe(r.text, v)}: MLflow fails with "'${pythonTypeName(v)}' object has no attribute 'get'".`,
        v ? rangeOf(v) : rangeOf(p.key),
      );
      continue;
    }
    info.params.set(name, { pair: p, type });
    if (typeNode && !KNOWN_TYPES.includes(type)) {
      // MLflow checks only path and uri values; every other type, known or not, reaches the command
      // as text. A near-miss of a real name (`flaot`, `pth`) is likely a typo worth a warning; a name
      // from another language (`int`, `str`, `bool`) runs fine and only gets a hint.
      const suggestion = didYouMean(type, KNOWN_TYPES);
      if (suggestion) {
        r.add(
          'mlproject/unknown-parameter-type',
          'warning',
          `Unknown parameter type '${clip(type)}' for '${clip(name)}': did you mean '${suggestion}'? MLflow passes the value to the command as text without checking it${suggestion === 'path' || suggestion === 'uri' ? `, while '${suggestion}' would be checked (and downloaded if remote)` : ''}.`,
          rangeOf(typeNode),
          { fixes: [{ title: `Change type to '${suggestion}'`, edits: [{ range: rangeOf(typeNode), newText: suggestion }], isPreferred: true }] },
        );
      } else {
        r.add(
          'mlproject/unchecked-parameter-type',
          'info',
          `'${clip(type)}' is not one of MLflow's parameter types (${KNOWN_TYPES.join(', ')}): MLflow passes '${clip(name)}' to the command as text without checking it, as it does for every type except path and uri.`,
          rangeOf(typeNode),
        );
      }
    }
    if (defaultNode && defaultNode.kind === 'scalar' && defaultNode.value !== null) checkDefault(r, name, type, defaultNode, dir, context);
  }
}

/**
 * Keys of a parameter mapping other than type, default and description. MLflow reads only `type` and
 * `default` and ignores the rest, so what a stray key costs depends on what it was meant to be: a
 * lost default makes `mlflow run` fail without `-P`, a lost `path`/`uri` type silently skips the
 * check (and download) of the value: those are warnings. A lost `int`/`str`/... type changes nothing
 * (MLflow passes every other type as text) and other keys (`help`, `required`) are documentation
 * MLflow ignores: information hints.
 */
function checkParameterKeys(r: Reporter, name: string, map: YMap): void {
  let missing: string[] | undefined;
  for (const pair of map.items) {
    const k = keyText(pair.key);
    if (PARAMETER_KEYS_ACCEPTED_SET.has(k)) continue;
    missing ??= PARAMETER_KEYS.filter((c) => !getPair(map, c));
    // `{type str, default: 1}` and `{type:int}`: one key with no value, the ': ' left out.
    const glued = pair.value === null || (pair.value.kind === 'scalar' && pair.value.value === null) ? GLUED_KEY.exec(k) : null;
    if (glued && missing.includes(glued[1])) {
      const [, intended, rawValue] = glued;
      const value = rawValue.trim().replace(/^(['"])(.*)\1$/, '$2');
      const spelled = r.text.slice(pair.key.start, pair.key.end) === k;
      const fix = spelled
        ? {
            fixes: [
              {
                title: `Change to '${intended}: ${clip(value)}'`,
                edits: [{ range: rangeOf(pair.key), newText: `${intended}: ${rawValue.trim()}` }],
                isPreferred: true,
              },
            ],
          }
        : undefined;
      const lost = lostKeyConsequence(name, intended, value);
      r.add(
        'mlproject/malformed-parameter-key',
        lost.severity,
        `'${clip(k)}' is read as one key with no value (YAML needs ': ' between a key and its value), so MLflow ignores it: ${lost.what} Write '${intended}: ${clip(value)}'.`,
        rangeOf(pair.key),
        fix,
      );
      continue;
    }
    const suggestion = didYouMean(k, missing);
    if (suggestion) {
      const value = pair.value && pair.value.kind === 'scalar' && pair.value.value !== null ? String(pair.value.value) : '';
      const lost = lostKeyConsequence(name, suggestion, value);
      r.add(
        'mlproject/unknown-parameter-key',
        lost.severity,
        `Unknown key '${clip(k)}' in parameter '${clip(name)}': did you mean '${suggestion}'? MLflow ignores it: ${lost.what}`,
        rangeOf(pair.key),
        { fixes: [{ title: `Change '${clip(k)}' to '${suggestion}'`, edits: [{ range: rangeOf(pair.key), newText: suggestion }], isPreferred: true }] },
      );
      continue;
    }
    r.add(
      'mlproject/ignored-parameter-key',
      'info',
      `MLflow reads only 'type' and 'default' of parameter '${clip(name)}' and ignores '${clip(k)}' (fine as documentation; nothing checks or enforces it).`,
      rangeOf(pair.key),
    );
  }
}

const PARAMETER_KEYS_ACCEPTED_SET = new Set(PARAMETER_KEYS_ACCEPTED);
/** `type str`, `type:int`, `default 0.1`: a parameter key and its value glued into one key. */
const GLUED_KEY = /^(type|default)(?:[ \t]+|:)(\S.*)$/s;

/** What MLflow does when a parameter's `type` or `default` is missing, and how much it matters. */
function lostKeyConsequence(name: string, key: string, value: string): { severity: 'warning' | 'info'; what: string } {
  if (key === 'default') {
    return {
      severity: 'warning',
      what: `'${clip(name)}' has no default, so \`mlflow run\` fails with "No value given for missing parameters" unless you pass -P ${clip(name)}=....`,
    };
  }
  if (value === 'path' || value === 'uri') {
    return {
      severity: 'warning',
      what: `'${clip(name)}' is a plain string, so MLflow does not ${value === 'path' ? 'resolve the path (nor download a remote one)' : 'check that the value is a URI'}.`,
    };
  }
  return {
    severity: 'info',
    what: `'${clip(name)}' is a string${value ? `, which is what type '${clip(value)}' gives too (MLflow checks only path and uri)` : ''}.`,
  };
}

function checkDefault(r: Reporter, name: string, type: string, node: YScalar, dir: string, context: FileContext): void {
  const raw = String(node.value);
  if (type === 'float' && typeof node.value !== 'number' && !isPythonFloat(raw)) {
    r.add(
      'mlproject/invalid-default',
      'warning',
      `The default '${clip(raw)}' of float parameter '${clip(name)}' is not a number. MLflow passes it through unchecked, so the script receives it as text.`,
      rangeOf(node),
    );
  }
  if (type === 'uri' && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(raw)) {
    r.add(
      'mlproject/invalid-uri-default',
      'error',
      `Expected URI for parameter ${name} but got ${raw} (MLflow, when the run uses the default). A uri needs a scheme, e.g. file:///abs/path, s3://bucket/key or dbfs:/path; use type 'path' for local paths.`,
      rangeOf(node),
    );
  }
  if (type === 'path' && typeof node.value === 'string') {
    const isLocal = !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(raw) || raw.startsWith('file:///');
    if (isLocal && !raw.includes('{')) {
      const local = raw.startsWith('file://') ? raw.slice('file://'.length) : raw;
      const abs = resolveIn(dir, local);
      if (!context.fileExists(abs)) {
        r.add(
          'mlproject/path-default-not-found',
          'warning',
          `The default path '${raw}' of parameter '${name}' does not exist (looked for ${abs}). \`mlflow run\` fails with "Got value ${raw} for parameter ${name}, but no such file or directory was found." unless you pass -P ${name}=...`,
          rangeOf(node),
        );
      }
    }
  }
}

/**
 * Whether Python's float() accepts the text. Deterministic regexes only (each character can be read
 * one way), so a 50 KB default costs one pass: `\d+\.?\d*` would backtrack quadratically.
 */
const FLOAT_TEXT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const FLOAT_WORDS = new Set(['inf', 'infinity', 'nan']);
function isPythonFloat(raw: string): boolean {
  const s = raw.trim().replace(/(?<=\d)_(?=\d)/g, '');
  if (FLOAT_TEXT.test(s)) return true;
  const word = (s[0] === '-' || s[0] === '+' ? s.slice(1) : s).toLowerCase();
  return FLOAT_WORDS.has(word);
}

function checkCommand(r: Reporter, info: EntryPointInfo, dir: string, context: FileContext, checkScripts: boolean): void {
  const command = info.command!;
  const cmd = command.value as string;
  const epName = keyText(info.pair.key);
  const parsed = parsePythonFormat(cmd);
  if (parsed.error) {
    r.add(
      'mlproject/invalid-command-format',
      'error',
      `\`mlflow run -e ${epName}\` fails: ${parsed.error.message} (MLflow fills the command with Python's str.format). Write {{ and }} for literal braces.`,
      scalarSubRange(r.text, command, parsed.error.start, parsed.error.end - parsed.error.start),
    );
  } else {
    const used = new Set<string>();
    for (const f of parsed.fields) {
      used.add(f.name);
      if (info.params.has(f.name)) continue;
      const range = scalarSubRange(r.text, command, f.start, f.end - f.start);
      if (f.name === '' || /^\d+$/.test(f.name)) {
        r.add(
          'mlproject/positional-placeholder',
          'error',
          `\`mlflow run -e ${epName}\` fails with IndexError: '${cmd.slice(f.start, f.end)}' is a positional placeholder, but MLflow only passes named parameters. Use {name} with a declared parameter, or {{ }} for literal braces.`,
          range,
        );
        continue;
      }
      const fix = declareParameterFix(r, info, f.name);
      const shellHint = cmd[f.start - 1] === '$' ? ` For a shell variable, write $${'{{'}${f.name}${'}}'}.` : '';
      r.add(
        'mlproject/undeclared-placeholder',
        'error',
        `The command of entry point '${epName}' uses {${f.name}}, but '${f.name}' is not a declared parameter: \`mlflow run\` fails with KeyError: '${f.name}'. Declare it under parameters.${shellHint}`,
        range,
        fix ? { fixes: [fix] } : undefined,
      );
    }
    checkUnusedParameters(r, info, used);
  }
  if (checkScripts) checkScript(r, command, cmd, epName, dir, context);
}

/**
 * One warning per entry point for the declared parameters its command never uses (MLflow logs them
 * but passes nothing): one forgotten `--x {x}` or a command written before its parameters is one
 * mistake, however many parameters it leaves out. A name written without braces gets a fix.
 */
function checkUnusedParameters(r: Reporter, info: EntryPointInfo, used: Set<string>): void {
  const unused = [...info.params].filter(([name]) => !used.has(name));
  if (unused.length === 0) return;
  const command = info.command!;
  const cmd = command.value as string;
  const epName = keyText(info.pair.key);
  const names = unused.map(([name]) => name);
  const fixes: ValidationFix[] = [];
  const bare: string[] = [];
  for (const name of names) {
    const at = bareWordIndex(cmd, name);
    if (at === -1) continue;
    bare.push(name);
    const range = scalarSubRange(r.text, command, at, name.length);
    if (range.end - range.start === name.length)
      fixes.push({ title: `Write {${name}} in the command`, edits: [{ range, newText: `{${name}}` }], isPreferred: fixes.length === 0 });
  }
  const list = (xs: string[], join: string) => (xs.length === 1 ? xs[0] : `${xs.slice(0, -1).join(', ')} ${join} ${xs[xs.length - 1]}`);
  const quoted = names.map((n) => `'${clip(n)}'`);
  const placeholders = names.map((n) => `{${clip(n)}}`);
  const head =
    names.length === 1
      ? `Parameter ${quoted[0]} is declared but the command of entry point '${epName}' never uses ${placeholders[0]}: MLflow logs it but does not pass it to the command.`
      : `Parameters ${list(quoted, 'and')} are declared but the command of entry point '${epName}' never uses ${list(placeholders, 'or')}: MLflow logs them but does not pass them to the command.`;
  const hint = bare.length
    ? ` The command names ${list(
        bare.map((n) => `'${clip(n)}'`),
        'and',
      )} without braces, which passes the name, not the value.`
    : '';
  r.add('mlproject/unused-parameter', 'warning', head + hint, rangeOf(unused[0][1].pair.key), fixes.length ? { fixes } : undefined);
}

/** Where `name` stands in a command as a whole word outside braces (`--steps pipeline_steps`), or -1. */
function bareWordIndex(cmd: string, name: string): number {
  for (let at = cmd.indexOf(name); at !== -1; at = cmd.indexOf(name, at + 1)) {
    const before = cmd[at - 1];
    const after = cmd[at + name.length];
    const wordChar = (c: string | undefined) => c !== undefined && /[\w-]/.test(c);
    if (!wordChar(before) && !wordChar(after) && !'{./'.includes(before ?? ' ') && !'}./'.includes(after ?? ' ')) return at;
  }
  return -1;
}

/** `python train.py`, `bash run.sh`, `Rscript x.R`: a script that is not in the project fails the run. */
function checkScript(r: Reporter, command: YScalar, cmd: string, epName: string, dir: string, context: FileContext): void {
  const re = /(?:^|[;&|]\s*|\s)(?:python[0-9.]*|bash|sh|zsh|Rscript)((?:\s+-[A-Za-z]\S*)*)\s+([^\s;&|'"{}$<>]+\.(?:py|sh|R))(?=\s|$|[;&|])/g;
  for (let m = re.exec(cmd); m; m = re.exec(cmd)) {
    if (/\s-m\b|\s-c\b/.test(m[1])) continue; // python -m module / -c code: no script file
    const script = m[2];
    const abs = resolveIn(dir, script);
    if (context.fileExists(abs)) continue;
    const at = m.index + m[0].lastIndexOf(script);
    r.add(
      'mlproject/script-not-found',
      'warning',
      `Entry point '${epName}' runs '${script}', which does not exist (looked for ${abs}). The command runs in the project folder, so the run would fail.`,
      scalarSubRange(r.text, command, at, script.length),
    );
  }
}

/** Adds `name: string` to the entry point's parameters (creating the block if needed). */
function declareParameterFix(r: Reporter, info: EntryPointInfo, name: string): ValidationFix | undefined {
  const title = `Declare parameter '${name}'`;
  const text = r.text;
  const idx = r.lineIndex;
  const pp = getPair(info.map, 'parameters');
  if (pp && pp.value && pp.value.kind === 'map') {
    const params = pp.value;
    if (params.flow) {
      const close = text.lastIndexOf('}', params.end);
      if (close < params.start) return undefined;
      return { title, edits: [{ range: { start: close, end: close }, newText: params.items.length ? `, ${name}: string` : `${name}: string` }] };
    }
    const last = params.items[params.items.length - 1];
    const column = idx.lineColumn(params.items[0].key.start).column;
    let end = pairRange(last).end;
    while (end > last.key.end && /\s/.test(text[end - 1])) end--;
    const nl = text.indexOf('\n', end);
    const at = nl === -1 ? text.length : nl + 1;
    return { title, edits: [{ range: { start: at, end: at }, newText: `${nl === -1 ? '\n' : ''}${' '.repeat(column)}${name}: string\n` }] };
  }
  if (pp || info.map.flow || info.map.items.length === 0) return undefined;
  const first = info.map.items[0].key;
  const column = idx.lineColumn(first.start).column;
  const pad = ' '.repeat(column);
  return { title, edits: [{ range: { start: first.start, end: first.start }, newText: `parameters:\n${pad}  ${name}: string\n${pad}` }] };
}

function checkDockerEnv(r: Reporter, root: YMap): void {
  const pair = getPair(root, 'docker_env');
  if (!pair || getPair(root, 'databricks_spark_job')) return;
  const v = pair.value;
  // MLflow skips an empty docker_env (`if docker_env := ...` is falsy for null and {}).
  if (!v || (v.kind === 'scalar' && (v.value === null || v.value === '' || v.value === false || v.value === 0))) return;
  if (v.kind === 'map' && v.items.length === 0) return;
  if (v.kind !== 'map') {
    r.add(
      'mlproject/invalid-docker-env',
      'error',
      `'docker_env' must be a mapping with 'image' (and optional 'volumes', 'environment'), but it is ${describe(r.text, v)}: MLflow fails with "'${pythonTypeName(v)}' object has no attribute 'get'".`,
      rangeOf(v),
    );
    return;
  }
  checkKnownKeys(r, v, DOCKER_KEYS, 'mlproject/unknown-docker-key', 'docker_env', 'MLflow ignores it.');
  const image = getPair(v, 'image');
  const iv = image?.value;
  if (!image || !iv || (iv.kind === 'scalar' && (iv.value === null || iv.value === '' || iv.value === false || iv.value === 0))) {
    r.add(
      'mlproject/docker-missing-image',
      'error',
      'Project configuration (MLproject file) was invalid: Docker environment specified but no image attribute found. (MLflow) Add e.g. image: python:3.11-slim',
      image ? rangeOf(image.key) : rangeOf(pair.key),
    );
  }
  const volumes = getPair(v, 'volumes');
  if (volumes && truthy(volumes.value)) {
    const vv = volumes.value!;
    const bad = vv.kind !== 'seq' ? vv : vv.items.find((i) => !isString(i));
    if (vv.kind !== 'seq' || bad !== undefined) {
      r.add(
        'mlproject/docker-invalid-volumes',
        'error',
        `Project configuration (MLproject file) was invalid: Docker volumes must be a list of strings, e.g.: '["/path1/:/path1", "/path2/:/path2"]' (MLflow).`,
        bad ? rangeOf(bad) : rangeOf(vv),
      );
    }
  }
  const env = getPair(v, 'environment');
  if (env && truthy(env.value)) {
    const ev = env.value!;
    const bad = ev.kind !== 'seq' ? ev : ev.items.find((i) => !(isString(i) || (i && i.kind === 'seq')));
    if (ev.kind !== 'seq' || bad !== undefined) {
      r.add(
        'mlproject/docker-invalid-environment',
        'error',
        `Project configuration (MLproject file) was invalid: environment must be a list containing either strings (to copy environment variables from host system) or lists of string pairs (to define new environment variables). E.g.: '[["NEW_VAR", "new_value"], "VAR_TO_COPY_FROM_HOST"]' (MLflow).`,
        bad ? rangeOf(bad) : rangeOf(ev),
      );
    } else {
      for (const item of ev.items) {
        if (!item || item.kind !== 'seq') continue;
        if (item.items.length < 2) {
          r.add(
            'mlproject/docker-invalid-environment',
            'error',
            `An environment pair needs a name and a value, e.g. ["NEW_VAR", "new_value"]: with ${item.items.length} item(s) the docker run fails with IndexError.`,
            rangeOf(item),
          );
        } else if (item.items.length > 2) {
          r.add(
            'mlproject/docker-environment-extra-items',
            'warning',
            `An environment pair is [name, value]; MLflow ignores the items after the second.`,
            rangeOf(item),
          );
        }
      }
    }
  }
}

function truthy(v: YNode | null): boolean {
  if (!v) return false;
  if (v.kind === 'scalar') return v.value !== null && v.value !== '' && v.value !== false && v.value !== 0;
  return v.items.length > 0;
}

function checkEnvFile(r: Reporter, root: YMap, key: 'python_env' | 'conda_env', dir: string, context: FileContext): void {
  const pair = getPair(root, key);
  if (!pair || !truthy(pair.value)) return;
  // MLflow stops at the first environment it finds (docker, then python, then conda); with a Spark job none is used.
  if (getPair(root, 'databricks_spark_job')) return;
  if (truthy(getPair(root, 'docker_env')?.value ?? null)) return;
  if (key === 'conda_env' && truthy(getPair(root, 'python_env')?.value ?? null)) return;
  const v = pair.value!;
  if (!isString(v)) {
    r.add(
      'mlproject/invalid-env-file',
      'error',
      `'${key}' must be the path of a file relative to the project (e.g. ${key === 'python_env' ? 'python_env.yaml' : 'conda.yaml'}), but it is ${describe(r.text, v)}: MLflow fails with a TypeError in os.path.join.`,
      rangeOf(v),
    );
    return;
  }
  const abs = path.resolve(dir, v.value);
  if (context.fileExists(abs)) return;
  const mlflowPath = path.join(dir, v.value);
  const message =
    key === 'python_env'
      ? `Project specified python_env file ${mlflowPath}, but no such file was found. (MLflow)`
      : `Project specified conda environment file ${mlflowPath}, but no such file was found. (MLflow)`;
  r.add(`mlproject/env-file-not-found`, 'error', message, rangeOf(v), {
    createFile: { title: `Create ${v.value} from a template`, path: abs, content: key === 'python_env' ? PYTHON_ENV_TEMPLATE : CONDA_TEMPLATE },
  });
}

function checkSparkJob(r: Reporter, root: YMap, spark: YPair, entryPoints: EntryPointInfo[], dir: string, context: FileContext): void {
  const v = spark.value;
  if (!v) return; // `databricks_spark_job:` with no value is None: MLflow skips the section.
  if (v.kind !== 'map') {
    r.add(
      'mlproject/invalid-spark-job',
      'error',
      `'databricks_spark_job' must be a mapping (python_file, parameters, python_libraries), but it is ${describe(r.text, v)}: MLflow fails with "'${pythonTypeName(v)}' object has no attribute 'get'".`,
      rangeOf(v),
    );
    return;
  }
  checkKnownKeys(r, v, SPARK_KEYS, 'mlproject/unknown-spark-job-key', 'databricks_spark_job', 'MLflow ignores it.');
  const pf = getPair(v, 'python_file');
  const hasFile = pf !== undefined && pf.value !== null && !(pf.value.kind === 'scalar' && pf.value.value === null);
  const eps = getPair(root, 'entry_points');
  const hasEntryPoints = eps !== undefined && eps.value !== null && eps.value.kind === 'map' && eps.value.items.length > 0;
  if (!hasFile && !hasEntryPoints) {
    r.add(
      'mlproject/spark-job-needs-entry',
      'error',
      "Databricks Spark job requires either 'databricks_spark_job.python_file' setting or 'entry_points' setting. (MLflow)",
      rangeOf(spark.key),
    );
  }
  if (hasFile && hasEntryPoints) {
    r.add(
      'mlproject/spark-job-file-and-entry-points',
      'error',
      "Databricks Spark job does not allow setting both 'databricks_spark_job.python_file' and 'entry_points'. (MLflow) Remove one of them.",
      rangeOf(pf!.key),
      {
        fixes: [removePairFix(r, root, eps!, "Remove 'entry_points'")],
      },
    );
  }
  for (const ep of entryPoints) {
    for (const [name, p] of ep.params) {
      if (p.type === 'path') {
        r.add(
          'mlproject/spark-job-path-parameter',
          'error',
          `Databricks Spark job does not support entry point parameter of 'path' type. '${name}' value type is invalid. (MLflow) Use 'string' or 'uri'.`,
          rangeOf(p.pair.key),
        );
      }
    }
    if (ep.command && !/^python\s/.test(ep.command.value as string)) {
      r.add(
        'mlproject/spark-job-non-python-command',
        'warning',
        `Databricks spark job only supports 'python' command in the entry point configuration. (MLflow, at run time) The command of '${keyText(ep.pair.key)}' must start with "python <file>.py".`,
        rangeOf(ep.command),
      );
    }
  }
  const envMessages: Record<string, string> = { docker_env: 'docker', python_env: 'python', conda_env: 'conda' };
  for (const key of ENV_KEYS) {
    const p = getPair(root, key);
    if (!p) continue;
    r.add(
      'mlproject/spark-job-environment',
      'error',
      `Databricks Spark job does not support setting ${envMessages[key]} environment. (MLflow) Remove '${key}'; use databricks_spark_job.python_libraries for packages.`,
      rangeOf(p.key),
      {
        fixes: [removePairFix(r, root, p, `Remove '${key}'`)],
      },
    );
  }
  if (hasFile) {
    const fv = pf!.value!;
    if (!isString(fv)) {
      r.add(
        'mlproject/invalid-spark-job',
        'error',
        `'python_file' must be the path of a Python file relative to the project, but it is ${describe(r.text, fv)}.`,
        rangeOf(fv),
      );
    } else if (!context.fileExists(path.resolve(dir, fv.value))) {
      r.add(
        'mlproject/spark-job-file-not-found',
        'warning',
        `python_file '${fv.value}' does not exist (looked for ${path.resolve(dir, fv.value)}); the Databricks run would fail reading it.`,
        rangeOf(fv),
      );
    }
  }
  for (const key of ['parameters', 'python_libraries']) {
    const p = getPair(v, key);
    if (!p || !p.value) continue;
    const bad = p.value.kind !== 'seq' ? p.value : p.value.items.find((i) => !(i && i.kind === 'scalar' && i.value !== null));
    if (bad !== undefined) {
      r.add(
        'mlproject/invalid-spark-job',
        'error',
        `databricks_spark_job.${key} must be a list of strings${key === 'python_libraries' ? ' (PyPI requirements such as "scikit-learn==1.5.2")' : ''}, but it contains ${describe(r.text, bad)}.`,
        bad ? rangeOf(bad) : rangeOf(p.key),
      );
    }
  }
}

export { MLPROJECT_DOCS_URL };
