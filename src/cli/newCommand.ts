import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliCommand, CliIo } from './cliCommand';
import { gitInit, isGitUrl, loadUserTemplate } from '../engine/scaffolding/gitRepository';
import { renderTemplate } from '../engine/scaffolding/projectRenderer';
import { planScaffold, writeScaffold } from '../engine/scaffolding/scaffoldWriter';
import { listBuiltInTemplates, loadTemplate, TemplateError, type LoadedTemplate } from '../engine/scaffolding/templateLoader';
import { TemplateSyntaxError } from '../engine/scaffolding/templateRenderer';

const DEFAULT_TEMPLATE = 'mlflow-sklearn';
const USAGE = 'new [--template NAME|PATH|GIT-URL] [--var key=value]... [--force] [--no-git] [--list] [DIR]';
const HELP = `${USAGE}

  --template  a built-in template (default ${DEFAULT_TEMPLATE}), a cookiecutter template folder, or a git URL
  --var       answer one of the template's questions; the others take their defaults
  --force     overwrite files that already exist with other content (default: refuse, writing nothing)
  --no-git    do not run git init and the first commit
  --list      list the built-in templates, or with --template, the template's variables
  DIR         the project folder (default: ./<project_slug>); project_name defaults to its name`;

interface NewOptions {
  template: string;
  vars: Record<string, string>;
  force: boolean;
  git: boolean;
  list: boolean;
  dir?: string;
}

function parseArgs(args: string[]): NewOptions | string {
  const o: NewOptions = { template: DEFAULT_TEMPLATE, vars: {}, force: false, git: true, list: false };
  let templateGiven = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const valueOf = (flag: string): string | undefined => (a.startsWith(`${flag}=`) ? a.slice(flag.length + 1) : args[++i]);
    if (a === '--template' || a.startsWith('--template=')) {
      const v = valueOf('--template');
      if (!v) return '--template needs a name, a folder or a git URL.';
      o.template = v;
      templateGiven = true;
    } else if (a === '--var' || a.startsWith('--var=')) {
      const v = valueOf('--var');
      const eq = v?.indexOf('=') ?? -1;
      if (!v || eq <= 0) return `--var takes key=value, got ${v === undefined ? 'nothing' : `'${v}'`}.`;
      o.vars[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (a === '--force') o.force = true;
    else if (a === '--no-git') o.git = false;
    else if (a === '--list') o.list = true;
    else if (a.startsWith('-')) return `unknown option '${a}'.`;
    else if (o.dir === undefined) o.dir = a;
    else return `only one project folder can be given (got '${o.dir}' and '${a}').`;
  }
  if (o.list && !templateGiven) o.template = '';
  return o;
}

async function resolveTemplate(source: string): Promise<LoadedTemplate> {
  const builtIn = listBuiltInTemplates().find((t) => t.name === source);
  if (builtIn) return loadTemplate(builtIn.dir);
  if (isGitUrl(source) || fs.existsSync(source)) return loadTemplate(await loadUserTemplate(source));
  const names = listBuiltInTemplates().map((t) => t.name);
  throw new TemplateError(`No template '${source}': it is neither a built-in template (${names.join(', ')}) nor a folder or git URL.`);
}

function printList(io: CliIo, template: LoadedTemplate | undefined): void {
  if (!template) {
    io.out('Built-in templates:');
    for (const t of listBuiltInTemplates()) io.out(`  ${t.name}${t.description ? `  ${t.description}` : ''}`);
    io.out("\nRun 'mlflow-wb new --template NAME --list' to see a template's variables.");
    return;
  }
  io.out(`Variables of ${template.name} (set with --var key=value):`);
  for (const v of template.variables) {
    const what = v.choices ? `one of ${v.choices.join(', ')}` : `default: ${v.default || '(empty)'}`;
    io.out(`  ${v.name}  ${what}${v.prompt ? `  (${v.prompt})` : ''}`);
  }
}

export const newCommand: CliCommand = {
  name: 'new',
  summary: 'Create an MLflow project from a template (built-in or cookiecutter), ready to test, run and ship.',
  usage: HELP,
  async run(args, io) {
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') {
      io.err(`mlflow-wb new: ${parsed}\nUsage: mlflow-wb ${USAGE}`);
      return 2;
    }
    try {
      const template = parsed.template ? await resolveTemplate(parsed.template) : undefined;
      if (parsed.list || !template) {
        printList(io, template);
        return 0;
      }
      const answers = { ...parsed.vars };
      const hasVar = (name: string) => template.variables.some((v) => v.name === name);
      if (parsed.dir && hasVar('project_name') && answers.project_name === undefined) {
        answers.project_name = path.basename(path.resolve(parsed.dir));
      }
      const rendered = renderTemplate(template, answers);
      const targetDir = path.resolve(parsed.dir ?? rendered.projectDirName);
      const plan = planScaffold(rendered.files, targetDir);
      if (plan.blocked.length > 0) {
        io.err(`mlflow-wb new: cannot write into ${targetDir}: a folder is in the way, or a parent path is a file:\n${plan.blocked.map((p) => `  ${p}`).join('\n')}`);
        return 1;
      }
      if (plan.conflicts.length > 0 && !parsed.force) {
        io.err(
          `mlflow-wb new: ${plan.conflicts.length} file(s) already exist in ${targetDir} with other content; nothing was written:\n` +
            `${plan.conflicts.map((p) => `  ${p}`).join('\n')}\nPick another folder, or add --force to overwrite them.`,
        );
        return 1;
      }
      const result = await writeScaffold(plan, rendered.files, targetDir, {
        overwrite: () => parsed.force,
        onProgress: (p) => io.out(`  ${p.action.padEnd(11)} ${p.relativePath}`),
      });
      io.out(
        `${template.name} → ${targetDir}: ${result.created.length} created, ${result.overwritten.length} overwritten, ${result.unchanged.length} unchanged.`,
      );
      if (parsed.git) {
        const git = await gitInit(targetDir, { commit: true });
        io.out(git.skippedReason ? `git: not initialised, ${git.skippedReason}` : 'git: initialised with a first commit.');
      }
      const shown = path.relative(process.cwd(), targetDir) || '.';
      if (rendered.files.some((f) => f.relativePath === 'README.md')) io.out(`\nNext: cd ${shown} and follow README.md (set up, test, run).`);
      return 0;
    } catch (err) {
      if (err instanceof TemplateError || err instanceof TemplateSyntaxError) {
        io.err(`mlflow-wb new: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
