import * as path from 'node:path';
import type { FileContext } from './mlprojectValidator';
import { rangeOf, Reporter, scalarSubRange } from './yamlRuleHelpers';
import type { YScalar } from './yamlTree';

/**
 * Wheel paths that a launcher (Databricks bundles, CI templates) rewrites before the file is used:
 * WHEELPATH-style names, {{...}} / ${...} / <...> templates.
 */
export function isPlaceholder(s: string): boolean {
  // String searches and regexes that read each character one way: this runs on user text.
  const open2 = s.indexOf('{{');
  if (open2 !== -1 && s.indexOf('}}', open2 + 2) !== -1) return true;
  const dollar = s.indexOf('${');
  if (dollar !== -1 && s.indexOf('}', dollar + 2) !== -1) return true;
  // <name>: a '<', at least one character other than '>', then '>'.
  let lt = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 60) lt = i;
    else if (c === 62) {
      if (lt !== -1 && i - lt >= 2) return true;
      lt = -1;
    }
  }
  return /\b[A-Z][A-Z0-9]*_?PATH\b/.test(s) || /__[A-Z0-9](?:_?[A-Z0-9])*__/.test(s);
}

/** The distribution name of a requirement line ("mlflow[extras]>=2 ; python_version>'3'" → "mlflow"). */
function requirementName(req: string): string | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req);
  if (!m || req.trim().startsWith('-')) return undefined;
  return m[1].toLowerCase().replace(/[._]+/g, '-');
}

/** True when a requirement (name, URL or wheel path) installs MLflow. */
export function installsMlflow(req: string): boolean {
  const name = requirementName(req);
  if (name === 'mlflow' || name === 'mlflow-skinny') return true;
  // git+https://github.com/mlflow/mlflow, or a wheel such as dist/mlflow-3.1.0-py3-none-any.whl
  const r = req.trim();
  if (/github\.com\/mlflow\/mlflow/i.test(r)) return true;
  if (!/\.whl$/i.test(r)) return false;
  const base = r.slice(Math.max(r.lastIndexOf('/'), r.lastIndexOf('\\'), r.lastIndexOf('@'), r.lastIndexOf('=')) + 1);
  return /^mlflow(?:[-_]skinny)?(?:[-_]\d.*)?\.whl$/i.test(base);
}

/**
 * `-r requirements.txt` / `-c constraints.txt` lines and local wheel paths in a dependency list:
 * the file must exist next to the environment file.
 */
export function checkRequirementFile(r: Reporter, item: YScalar, baseDir: string, context: FileContext, code: string, severity: 'error' | 'warning'): void {
  const req = String(item.value);
  const ref = /^(-r|-c|--requirement|--constraint)(?:\s+|=)(\S.*)$/.exec(req.trim());
  if (ref) {
    const file = ref[2].trim();
    if (isPlaceholder(file) || /^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return;
    const abs = path.resolve(baseDir, file);
    if (context.fileExists(abs)) return;
    const at = req.indexOf(file);
    r.add(
      code,
      severity,
      `'${file}' does not exist (looked for ${abs}): pip fails with "Could not open requirements file". Create it or fix the path.`,
      at >= 0 ? scalarSubRange(r.text, item, at, file.length) : rangeOf(item),
    );
    return;
  }
  const wheel = req.trim();
  if (/\.whl$/i.test(wheel) && !isPlaceholder(wheel) && !/^[a-z][a-z0-9+.-]*:/i.test(wheel) && !wheel.includes('@')) {
    const abs = path.resolve(baseDir, wheel);
    if (!context.fileExists(abs)) {
      r.add(
        code,
        'warning',
        `Wheel '${wheel}' does not exist (looked for ${abs}). Build it first, fix the path, or use a placeholder your launcher rewrites (e.g. {{wheel_path}}).`,
        rangeOf(item),
      );
    }
  }
}
