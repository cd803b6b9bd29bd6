import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliUsageError, defineCommand, type CliIo } from './cliCommand';
import { gitInit, isGitUrl, loadUserTemplate } from '../engine/scaffolding/gitRepository';
import { renderTemplate } from '../engine/scaffolding/projectRenderer';
import { planScaffold, writeScaffold } from '../engine/scaffolding/scaffoldWriter';
import { listBuiltInTemplates, loadTemplate, TemplateError, type LoadedTemplate } from '../engine/scaffolding/templateLoader';
import { TemplateSyntaxError } from '../engine/scaffolding/templateRenderer';

const DEFAULT_TEMPLATE = 'mlflow-sklearn';

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

export const newCommand = defineCommand({
  name: 'new',
  summary: 'Create an MLflow project from a template (built-in or cookiecutter), ready to test, run and ship.',
  options: {
    template: { type: 'string', value: 'NAME|PATH|GIT-URL', description: `a built-in template (default ${DEFAULT_TEMPLATE}), a cookiecutter template folder, or a git URL` },
    var: { type: 'string', value: 'key=value', multiple: true, description: "answer one of the template's questions; the others take their defaults" },
    force: { type: 'boolean', description: 'overwrite files that already exist with other content (default: refuse, writing nothing)' },
    'no-git': { type: 'boolean', description: 'do not run git init and the first commit' },
    list: { type: 'boolean', description: "list the built-in templates, or with --template, the template's variables" },
  },
  positionals: { name: 'DIR', description: 'the project folder (default: ./<project_slug>); project_name defaults to its name', max: 1 },
  expected: (err) => err instanceof TemplateError || err instanceof TemplateSyntaxError,
  async run({ values, positionals, io }) {
    const vars: Record<string, string> = {};
    for (const v of values.var) {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new CliUsageError(`--var takes key=value, got '${v}'.`);
      vars[v.slice(0, eq)] = v.slice(eq + 1);
    }
    const dir: string | undefined = positionals[0];
    const source = values.template ?? (values.list ? undefined : DEFAULT_TEMPLATE);
    const template = source ? await resolveTemplate(source) : undefined;
    if (values.list || !template) {
      printList(io, template);
      return 0;
    }
    const answers = { ...vars };
    const hasVar = (name: string) => template.variables.some((v) => v.name === name);
    if (dir && hasVar('project_name') && answers.project_name === undefined) {
      answers.project_name = path.basename(path.resolve(dir));
    }
    const rendered = renderTemplate(template, answers);
    const targetDir = path.resolve(dir ?? rendered.projectDirName);
    const plan = planScaffold(rendered.files, targetDir);
    if (plan.blocked.length > 0) {
      io.err(`mlflow-wb new: cannot write into ${targetDir}: a folder is in the way, or a parent path is a file:\n${plan.blocked.map((p) => `  ${p}`).join('\n')}`);
      return 1;
    }
    if (plan.conflicts.length > 0 && !values.force) {
      io.err(
        `mlflow-wb new: ${plan.conflicts.length} file(s) already exist in ${targetDir} with other content; nothing was written:\n` +
          `${plan.conflicts.map((p) => `  ${p}`).join('\n')}\nPick another folder, or add --force to overwrite them.`,
      );
      return 1;
    }
    const result = await writeScaffold(plan, rendered.files, targetDir, {
      overwrite: () => values.force,
      onProgress: (p) => io.out(`  ${p.action.padEnd(11)} ${p.relativePath}`),
    });
    io.out(
      `${template.name} → ${targetDir}: ${result.created.length} created, ${result.overwritten.length} overwritten, ${result.unchanged.length} unchanged.`,
    );
    if (!values['no-git']) {
      const git = await gitInit(targetDir, { commit: true });
      io.out(git.skippedReason ? `git: not initialised, ${git.skippedReason}` : 'git: initialised with a first commit.');
    }
    const shown = path.relative(process.cwd(), targetDir) || '.';
    if (rendered.files.some((f) => f.relativePath === 'README.md')) io.out(`\nNext: cd ${shown} and follow README.md (set up, test, run).`);
    return 0;
  },
});
