import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliInputError, defineCommand } from './cliCommand';
import { FORMAT_OPTION } from './trackingOptions';
import { LineIndex } from '../engine/validation/diagnostic';
import { validatePaths } from '../engine/validation/validatePaths';
import { pathExists } from '../engine/workspace/pathExists';

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'Check MLproject, conda.yaml, python_env.yaml and cluster JSON files as MLflow would (exit 1 on errors).',
  options: { format: FORMAT_OPTION },
  positionals: { name: 'PATH', description: 'files or folders to check (default .)' },
  async run({ values: { format }, positionals, io }) {
    const paths = positionals.length ? positionals : ['.'];
    for (const p of paths) if (!(await pathExists(p))) throw new CliInputError(`no such file or folder: ${p}`);
    const results = await validatePaths(paths);
    let errors = 0;
    let warnings = 0;
    let infos = 0;
    const rows: { file: string; line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }[] = [];
    for (const r of results) {
      const index = new LineIndex(await fs.promises.readFile(r.file, 'utf8'));
      const rel = path.relative(process.cwd(), r.file);
      const shown = rel && !rel.startsWith('..') ? rel : r.file;
      for (const d of r.diagnostics) {
        if (d.severity === 'error') errors++;
        else if (d.severity === 'warning') warnings++;
        else infos++;
        const s = index.lineColumn(d.range.start);
        const e = index.lineColumn(d.range.end);
        rows.push({
          file: shown,
          line: s.line + 1,
          column: s.column + 1,
          endLine: e.line + 1,
          endColumn: e.column + 1,
          severity: d.severity,
          code: d.code,
          message: d.message,
        });
      }
    }
    const summary = `${results.length} file(s) checked: ${errors} error(s), ${warnings} warning(s), ${infos} info.`;
    if (format === 'json') {
      io.out(JSON.stringify({ files: results.map((r) => ({ file: r.file, kind: r.kind })), diagnostics: rows, errors, warnings, infos }, null, 2));
    } else {
      for (const row of rows) io.out(`${row.file}:${row.line}:${row.column} ${row.severity} ${row.code} ${row.message}`);
      io.out(summary);
    }
    return errors > 0 ? 1 : 0;
  },
});
