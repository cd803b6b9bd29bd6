import * as path from 'node:path';
import { JOB_REQUEST_KEYS, validateClusterSpec } from './clusterSpecValidator';
import { parseJsonWithRanges } from './jsonTree';
import { validateCondaEnv } from './condaEnvValidator';
import { clampRange, type ValidationDiagnostic } from './diagnostic';
import { validateMlproject, type FileContext } from './mlprojectValidator';
import { validatePythonEnv } from './pythonEnvValidator';
import { parseYaml } from './yamlFastParser';
import { pyyamlTabError } from './yamlTabs';
import { pathExists } from '../workspace/pathExists';
import type { ParsedYaml } from './yamlTree';

export type ValidatedFileKind = 'mlproject' | 'conda' | 'python_env' | 'cluster';
export type { FileContext };

/**
 * Which validator a file gets, from its name and (optionally) its text: MLproject (any case),
 * conda.yaml/.yml, python_env.yaml, and cluster JSON by name or by its top-level keys. A JSON file
 * shaped as a Jobs request (a task, run_name, tasks[]) is left alone when found by name or shape
 * (`validate .`), and checked as a cluster spec only when `explicit` (the user named the file,
 * e.g. the one passed to --backend-config).
 */
export function detectFileKind(filePath: string, text?: string, explicit = false): ValidatedFileKind | undefined {
  const base = path.basename(filePath).toLowerCase();
  if (base === 'mlproject') return 'mlproject';
  if (base === 'conda.yaml' || base === 'conda.yml') return 'conda';
  if (base === 'python_env.yaml' || base === 'python_env.yml') return 'python_env';
  if (base.endsWith('.json')) {
    // Parse only what may be a cluster spec: package-lock.json and friends are opened too.
    if (!base.includes('cluster') && (text === undefined || !/"(?:spark_version|new_cluster|node_type_id)"/.test(text))) return undefined;
    const keys = text === undefined ? undefined : topLevelJsonKeys(text);
    if (keys && !explicit && keys.some((k) => JOB_REQUEST_KEYS.has(k))) return undefined;
    if (base.includes('cluster')) return 'cluster';
    if (keys && keys.some((k) => k === 'spark_version' || k === 'new_cluster' || k === 'node_type_id')) return 'cluster';
    return undefined;
  }
  if ((base.endsWith('.yaml') || base.endsWith('.yml')) && text !== undefined) {
    // [ \t]* rather than \s*: \s also matches line breaks, and a multiline ^\s* rescans every blank line.
    const keys = new Set(Array.from(text.matchAll(/^([A-Za-z_][\w-]*)[ \t]*:/gm), (m) => m[1]));
    if (keys.has('dependencies') && (keys.has('channels') || /^[ \t]*-[ \t]*pip[ \t]*:/m.test(text))) return 'conda';
    if (keys.has('build_dependencies') || (keys.has('python') && keys.has('dependencies') && !keys.has('channels'))) return 'python_env';
  }
  return undefined;
}

/** The property names of a JSON object document (none for other JSON or unreadable text). */
function topLevelJsonKeys(text: string): string[] {
  if (!/^\s*\{/.test(text.slice(0, 1000))) return [];
  const root = parseJsonWithRanges(text).root;
  return root && root.kind === 'object' ? root.properties.map((p) => p.key.value) : [];
}

/**
 * The validator's budget. Every rule is linear in the size of the document, so the size bounds the
 * time: beyond this many characters a file gets one diagnostic saying it was not checked, instead of
 * a validation that runs on every keystroke in the editor's extension host.
 */
export const MAX_VALIDATED_LENGTH = 1_000_000;
/** At most this many problems per file (then one saying how many more): a list the user can read, and a cheap Problems panel. */
export const MAX_DIAGNOSTICS = 500;

/** One parse per text: the editor re-validates on every keystroke, and undo often restores a text seen before. */
const parseCache = new Map<string, ParsedYaml>();
const PARSE_CACHE_SIZE = 16;

function cachedParse(text: string): ParsedYaml {
  const hit = parseCache.get(text);
  if (hit) return hit;
  const parsed = parseYaml(text);
  if (parseCache.size >= PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value as string);
  parseCache.set(text, parsed);
  return parsed;
}

/** Forgets cached parses (benchmarks use it to time a cold parse of a text seen before). */
export function clearValidationCache(): void {
  parseCache.clear();
}

/**
 * Validates one document. Synchronous, never throws (an internal error becomes one diagnostic), and
 * every range lies within [0, text.length].
 */
export function validateText(kind: ValidatedFileKind, text: string, context: FileContext): ValidationDiagnostic[] {
  if (text.length > MAX_VALIDATED_LENGTH) {
    return [
      {
        code: 'validation/too-large',
        severity: 'info',
        message: `Not checked: this file has ${text.length.toLocaleString('en-US')} characters, more than the ${MAX_VALIDATED_LENGTH.toLocaleString('en-US')} the validator reads (so the editor stays responsive). MLflow project files are normally far smaller.`,
        range: { start: 0, end: 0 },
      },
    ];
  }
  let diagnostics: ValidationDiagnostic[];
  try {
    if (kind === 'cluster') diagnostics = validateClusterSpec(text);
    else {
      const parsed = cachedParse(text);
      // MLflow reads YAML with PyYAML, which stops on a tab outside quotes and comments (YAML 1.2
      // parsers accept e.g. `name: env\t`): that tab is the error, and nothing after it counts.
      const tab = pyyamlTabError(text);
      const syntax: ValidationDiagnostic[] = parsed.errors
        .filter((e) => tab === undefined || e.range.start < tab)
        .map((e) => ({
          code: 'yaml/syntax',
          severity: 'error',
          message: `YAML syntax error: ${e.message}`,
          range: e.range,
        }));
      if (tab !== undefined) {
        syntax.push({
          code: 'yaml/tab',
          severity: 'error',
          message:
            "found character '\\t' that cannot start any token (PyYAML, which MLflow reads this file with, allows tabs only inside quotes and comments). Replace the tab with spaces.",
          range: { start: tab, end: tab + 1 },
          fixes: [{ title: 'Replace the tab with a space', edits: [{ range: { start: tab, end: tab + 1 }, newText: ' ' }], isPreferred: true }],
        });
      }
      // With a syntax error the tree is partial: report the syntax error only, like MLflow's loader would.
      if (syntax.length > 0) diagnostics = syntax;
      else if (kind === 'mlproject') diagnostics = validateMlproject(text, parsed, context);
      else if (kind === 'conda') diagnostics = validateCondaEnv(text, parsed, context);
      else diagnostics = validatePythonEnv(text, parsed, context);
    }
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      return [
        {
          code: 'validation/too-deep',
          severity: 'info',
          message: 'Not checked: brackets or indentation are nested deeper than the validator follows (thousands of levels).',
          range: { start: 0, end: 0 },
        },
      ];
    }
    diagnostics = [
      {
        code: 'internal/validator-error',
        severity: 'warning',
        message: `The ${kind} validator failed on this file (${err instanceof Error ? err.message : String(err)}); please report it. Other checks still apply.`,
        range: { start: 0, end: 0 },
      },
    ];
  }
  diagnostics.sort((a, b) => a.range.start - b.range.start);
  if (diagnostics.length > MAX_DIAGNOSTICS) {
    const more = diagnostics.length - MAX_DIAGNOSTICS;
    const last = diagnostics[MAX_DIAGNOSTICS - 1].range;
    diagnostics = diagnostics.slice(0, MAX_DIAGNOSTICS);
    diagnostics.push({
      code: 'validation/too-many-problems',
      severity: 'info',
      message: `Stopped listing problems after ${MAX_DIAGNOSTICS}: ${more.toLocaleString('en-US')} more in the rest of the file. Fix the ones above (often one mistake repeated) and they will show.`,
      range: { start: last.start, end: last.end },
    });
  }
  for (const d of diagnostics) {
    d.range = clampRange(d.range, text.length);
    for (const f of d.fixes ?? []) for (const e of f.edits) e.range = clampRange(e.range, text.length);
  }
  return diagnostics;
}

/**
 * validateText with the paths the file names (entry point scripts, env files) checked with
 * fs/promises, never a blocking stat: a pass records the paths it asks about, they are checked, and
 * the pass runs again on those answers (again while it asks about a path not yet checked). The text
 * is parsed once (cached); the same diagnostics as validateText with a synchronous fileExists.
 */
export async function validateTextAsync(
  kind: ValidatedFileKind,
  text: string,
  filePath: string,
  fileExists: (p: string) => Promise<boolean> = pathExists,
): Promise<ValidationDiagnostic[]> {
  const known = new Map<string, boolean>();
  for (;;) {
    const asked = new Set<string>();
    const diagnostics = validateText(kind, text, {
      filePath,
      fileExists: (p) => {
        const answer = known.get(p);
        if (answer !== undefined) return answer;
        asked.add(p);
        return true;
      },
    });
    // Every round answers at least one new path, and a text names finitely many: this ends.
    if (asked.size === 0) return diagnostics;
    await Promise.all([...asked].map(async (p) => known.set(p, await fileExists(p))));
  }
}
