import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { applyEdits, type ValidationDiagnostic } from '../../../src/engine/validation/diagnostic';
import { validateText, type ValidatedFileKind } from '../../../src/engine/validation/validateFile';

export const projectDir = path.resolve('/projects/demo');

/** Validates a text as if it lived in /projects/demo, with only `existing` files present there. */
export function check(kind: ValidatedFileKind, text: string, existing: string[] = [], fileName?: string): ValidationDiagnostic[] {
  const files = new Set(existing.map((f) => path.resolve(projectDir, f)));
  const name = fileName ?? { mlproject: 'MLproject', conda: 'conda.yaml', python_env: 'python_env.yaml', cluster: 'cluster.json' }[kind];
  return validateText(kind, text, { filePath: path.join(projectDir, name), fileExists: (p) => files.has(p) });
}

/** Asserts exactly one diagnostic with this code, its severity and the text its range covers; returns it. */
export function expectOne(text: string, diags: ValidationDiagnostic[], code: string, severity: string, covers: string): ValidationDiagnostic {
  const found = diags.filter((d) => d.code === code);
  assert.equal(
    found.length,
    1,
    `expected one ${code}, got: ${JSON.stringify(
      diags.map((d) => [d.code, d.message]),
      null,
      1,
    )}`,
  );
  const d = found[0];
  assert.equal(d.severity, severity, d.message);
  assert.equal(text.slice(d.range.start, d.range.end), covers);
  return d;
}

export function codes(diags: ValidationDiagnostic[]): string[] {
  return diags.map((d) => d.code);
}

export function applyFix(text: string, d: ValidationDiagnostic, index = 0): string {
  assert.ok(d.fixes && d.fixes[index], `no fix ${index} on ${d.code}`);
  return applyEdits(text, d.fixes[index].edits);
}
