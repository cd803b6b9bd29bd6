import * as path from 'node:path';
import { CliUsageError, defineCommand, type CliIo } from './cliCommand';
import { CookiecutterMissingError } from '../engine/scaffolding/cookiecutterDriver';
import { gitInit, isGitUrl, loadUserTemplate } from '../engine/scaffolding/gitRepository';
import { chooseNestedTemplate, disposePreparedTemplate, prepareTemplate, renderProject, TemplateCodeConsentError } from '../engine/scaffolding/projectRenderer';
import { planScaffold, ScaffoldError, writeScaffold } from '../engine/scaffolding/scaffoldWriter';
import { ShippedFolderMissingError } from '../engine/shippedFolders';
import { pathExists } from '../engine/workspace/pathExists';
import {
  formatAnswer,
  listBuiltInTemplates,
  loadTemplate,
  parseAnswers,
  TemplateError,
  templateCode,
  type LoadedTemplate,
} from '../engine/scaffolding/templateLoader';

const DEFAULT_TEMPLATE = 'mlflow-sklearn';

async function resolveTemplate(source: string, nested: string | undefined, keepMenu = false): Promise<LoadedTemplate> {
  const builtIns = await listBuiltInTemplates();
  const builtIn = builtIns.find((t) => t.name === source);
  let template: LoadedTemplate;
  if (builtIn) template = await loadTemplate(builtIn.dir);
  else if (isGitUrl(source) || (await pathExists(source))) template = await loadTemplate(await loadUserTemplate(source));
  else {
    const names = builtIns.map((t) => t.name);
    throw new TemplateError(`No template '${source}': it is neither a built-in template (${names.join(', ')}) nor a folder or git URL.`);
  }
  if (template.nestedTemplates) return keepMenu && nested === undefined ? template : await chooseNestedTemplate(template, nested);
  if (nested !== undefined) throw new TemplateError(`--nested: the template '${template.name}' is not a menu of templates.`);
  return template;
}

function describeVariable(v: LoadedTemplate['variables'][number]): string {
  switch (v.kind) {
    case 'choice':
      return `one of ${v.choices!.map((c) => (v.choiceLabels?.[c] ? `${c} (${v.choiceLabels[c]})` : c)).join(', ')}`;
    case 'boolean':
      return `yes or no, default: ${formatAnswer(v.raw)}`;
    case 'dict':
      return `a JSON object, default: ${JSON.stringify(v.raw)}`;
    default:
      return `default: ${formatAnswer(v.raw) || '(empty)'}`;
  }
}

async function printList(io: CliIo, template: LoadedTemplate | undefined): Promise<void> {
  if (!template) {
    io.out('Built-in templates:');
    for (const t of await listBuiltInTemplates()) io.out(`  ${t.name}${t.description ? `  ${t.description}` : ''}`);
    io.out("\nRun 'mlflow-wb new --template NAME --list' to see a template's variables.");
    return;
  }
  if (template.nestedTemplates) {
    io.out(`${template.name} is a menu of templates (choose with --nested KEY; default: the first):`);
    for (const n of template.nestedTemplates) io.out(`  ${n.key}  ${n.title}${n.description ? ` (${n.description})` : ''}`);
    return;
  }
  io.out(`Variables of ${template.name} (set with --var key=value):`);
  for (const v of template.variables) io.out(`  ${v.name}  ${describeVariable(v)}${v.prompt ? `  (${v.prompt})` : ''}`);
  const code = templateCode(template);
  if (code.length > 0) io.out(`\nThis template runs its own code when it renders (needs --allow-hooks): ${code.join(', ')}`);
}

export const newCommand = defineCommand({
  name: 'new',
  summary: 'Create an MLflow project from a template (built-in or cookiecutter), ready to test, run and ship.',
  options: {
    template: {
      type: 'string',
      value: 'NAME|PATH|GIT-URL',
      description: `a built-in template (default ${DEFAULT_TEMPLATE}), a cookiecutter template folder, or a git URL`,
    },
    nested: { type: 'string', value: 'KEY', description: 'for a template that is a menu of templates, the one to use (default: the first)' },
    var: {
      type: 'string',
      value: 'key=value',
      multiple: true,
      description:
        "answer one of the template's questions (yes/no for booleans, JSON for dict variables); the others take their defaults, rendered by cookiecutter",
    },
    'allow-hooks': {
      type: 'boolean',
      description:
        'let the template run its own code: its hooks and Jinja extensions (without it, such a template is refused, naming that code, and nothing runs or is written)',
    },
    force: {
      type: 'boolean',
      description: 'overwrite files that already exist with other content (default: refuse, writing nothing); never through a symbolic link',
    },
    'no-git': { type: 'boolean', description: 'do not run git init and the first commit' },
    python: { type: 'string', value: 'INTERPRETER', description: 'the interpreter with cookiecutter (default: $MLFLOW_WB_PYTHON, else python3)' },
    list: { type: 'boolean', description: "list the built-in templates, or with --template, the template's variables" },
  },
  positionals: { name: 'DIR', description: 'the project folder (default: ./<project_slug>); project_name defaults to its name', max: 1 },
  expected: (err) =>
    err instanceof TemplateError || err instanceof CookiecutterMissingError || err instanceof ScaffoldError || err instanceof ShippedFolderMissingError,
  async run({ values, positionals, io }) {
    const vars: Record<string, string> = {};
    for (const v of values.var) {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new CliUsageError(`--var takes key=value, got '${v}'.`);
      vars[v.slice(0, eq)] = v.slice(eq + 1);
    }
    const dir: string | undefined = positionals[0];
    const python = values.python ?? (process.env.MLFLOW_WB_PYTHON || 'python3');
    const source = values.template ?? (values.list ? undefined : DEFAULT_TEMPLATE);
    const template = source ? await resolveTemplate(source, values.nested, values.list) : undefined;
    if (values.list || !template) {
      await printList(io, template);
      return 0;
    }
    const code = templateCode(template);
    if (code.length > 0 && !values['allow-hooks']) throw new TemplateCodeConsentError(template, code);
    const options = { python, allowTemplateCode: values['allow-hooks'] };
    // A pre_prompt hook prepares the template before its questions are read, as in cookiecutter.
    const prepared = await prepareTemplate(template, options);
    let rendered;
    try {
      const texts = { ...vars };
      const hasVar = (name: string) => prepared.variables.some((v) => v.name === name);
      if (dir && hasVar('project_name') && texts.project_name === undefined) {
        texts.project_name = path.basename(path.resolve(dir));
      }
      rendered = await renderProject(prepared, parseAnswers(prepared, texts), options);
    } finally {
      await disposePreparedTemplate(prepared);
    }
    const targetDir = path.resolve(dir ?? rendered.projectDirName);
    const plan = await planScaffold(rendered.files, targetDir);
    if (plan.blocked.length > 0) {
      io.err(
        `mlflow-wb new: cannot write into ${targetDir}: a folder is in the way, or a parent path is a file or a symbolic link; nothing was written:\n${plan.blocked.map((p) => `  ${p}`).join('\n')}`,
      );
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
      emptyDirs: rendered.emptyDirs,
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
