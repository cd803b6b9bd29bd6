import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTemplate, resolveAnswers, TemplateError, type LoadedTemplate } from './templateLoader';
import { renderText } from './templateRenderer';

/** One file of the project to create, relative to the project folder (always with '/'). */
export interface RenderedFile {
  relativePath: string;
  content: Buffer;
  /** Permission bits of the template's file (keeps scripts executable). */
  mode?: number;
}

export interface RenderedProject {
  /** The rendered name of the template's top folder, e.g. "my_project": where the wizard puts the project. */
  projectDirName: string;
  /** Every variable's final value. */
  context: Record<string, string>;
  files: RenderedFile[];
}

/** Like git: a NUL byte in the first 8000 bytes, or bytes that are not UTF-8, mean "binary". */
export function isBinary(content: Buffer): boolean {
  const head = content.subarray(0, 8000);
  if (head.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    return false;
  } catch {
    return true;
  }
}

/** Python's fnmatch: * and ? match any character (including /), [seq] and [!seq] classes. */
export function fnmatch(name: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

function checkRenderedSegment(segment: string, where: string): void {
  if (segment === '.' || segment === '..' || segment.includes('\\') || segment.includes('\0')) {
    throw new TemplateError(`${where} renders to the path segment '${segment}', which would write outside the project folder. Check the variables used in its name.`);
  }
}

/**
 * Renders a template in memory: names and contents of every file, with the answers (missing ones
 * take their defaults). Files whose name renders empty, or whose content renders empty under an
 * `{% if %}`, are left out. Pure: writes nothing.
 */
export function renderTemplate(template: string | LoadedTemplate, answers: Readonly<Record<string, string>> = {}): RenderedProject {
  const t = typeof template === 'string' ? loadTemplate(template) : template;
  const context = resolveAnswers(t, answers);
  const topSource = path.join(t.dir, t.projectDirTemplate);
  const projectDirName = renderText(t.projectDirTemplate, context, topSource).text.trim();
  if (!projectDirName) throw new TemplateError(`The project folder ${topSource} renders to an empty name with these answers.`);
  checkRenderedSegment(projectDirName, topSource);
  if (projectDirName.includes('/')) throw new TemplateError(`The project folder ${topSource} renders to '${projectDirName}', which has a '/'.`);

  const files: RenderedFile[] = [];
  const copyOnly = (rel: string) => t.copyWithoutRender.some((p) => fnmatch(rel, p));
  const walk = (srcDir: string, relSource: string, relOut: string[], verbatim: boolean) => {
    const entries = fs.readdirSync(srcDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const srcPath = path.join(srcDir, entry.name);
      const rel = relSource ? `${relSource}/${entry.name}` : entry.name;
      const rendered = renderText(entry.name, context, `${srcPath} (its name)`).text;
      if (rendered.trim() === '') continue;
      const segments = rendered.split('/');
      segments.forEach((s) => {
        if (s === '') throw new TemplateError(`${srcPath}: its name renders to '${rendered}', which has an empty path segment.`);
        checkRenderedSegment(s, srcPath);
      });
      const outSegments = [...relOut, ...segments];
      const stat = fs.statSync(srcPath);
      const copyThis = verbatim || copyOnly(rel);
      if (stat.isDirectory()) {
        walk(srcPath, rel, outSegments, copyThis);
        continue;
      }
      if (!stat.isFile()) continue;
      const raw = fs.readFileSync(srcPath);
      let content = raw;
      if (!copyThis && !isBinary(raw)) {
        const { text, hasConditional } = renderText(raw.toString('utf8'), context, srcPath);
        if (hasConditional && text.trim() === '') continue;
        content = Buffer.from(text, 'utf8');
      }
      files.push({ relativePath: outSegments.join('/'), content, mode: stat.mode & 0o777 });
    }
  };
  walk(topSource, '', [], false);
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.relativePath)) throw new TemplateError(`Two files of the template render to the same path '${f.relativePath}' with these answers.`);
    seen.add(f.relativePath);
  }
  return { projectDirName, context, files };
}
