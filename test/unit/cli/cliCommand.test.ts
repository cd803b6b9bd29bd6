import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliCommands } from '../../../src/cli/allCommands';
import { CliInputError, CliUsageError, defineCommand, parseCommandArgs, runCliCommand, type CliIo, type CliOptions } from '../../../src/cli/cliCommand';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t + '\n'), err: (t: string) => void (io.stderr += t + '\n') };
  return io;
}

const seen: unknown[] = [];
const commands = [
  defineCommand({
    name: 'runs list',
    summary: 'List runs.',
    options: { experiment: { type: 'string', value: 'NAME', required: true, description: 'the experiment' } },
    run: async ({ values }) => void seen.push(values.experiment),
  }),
  defineCommand({
    name: 'validate',
    summary: 'Validate.',
    options: {},
    positionals: { name: 'PATH', description: 'what to check' },
    run: async ({ positionals }) => (seen.push(positionals), positionals.length),
  }),
  defineCommand({
    name: 'runs show',
    summary: 'Show runs.',
    options: { format: { type: 'string', choices: ['text', 'json'], default: 'text', description: 'output' } },
    positionals: { name: 'RUN_ID', description: 'the runs' },
    run: async ({ positionals }) => {
      if (positionals.length === 0) throw new CliUsageError('give at least one run id');
      throw new CliInputError(`no run ${positionals.join(', ')} at MLflow 127.0.0.1:5000`);
    },
  }),
  defineCommand({
    name: 'boom',
    summary: 'Fails.',
    options: {},
    expected: (err) => err instanceof RangeError,
    run: async () => {
      throw new RangeError('out of range');
    },
  }),
];

const OPTIONS = {
  name: { type: 'string', value: 'NAME', required: true, description: 'a name' },
  'model-uri': { type: 'string', short: 'm', value: 'URI', description: 'a model' },
  format: { type: 'string', choices: ['text', 'json'], default: 'text', description: 'output' },
  tag: { type: 'string', value: 'K=V', multiple: true, description: 'tags' },
  force: { type: 'boolean', description: 'a switch' },
} as const satisfies CliOptions;

function usageError(args: string[], positionals?: { name: string; description: string; max?: number }): string {
  try {
    parseCommandArgs(OPTIONS, args, positionals);
  } catch (err) {
    assert.ok(err instanceof CliUsageError, String(err));
    return err.message;
  }
  assert.fail(`no usage error for ${args.join(' ')}`);
}

describe('cli option parsing', () => {
  it('reads --name value, --name=value, short aliases, repeats, switches and defaults', () => {
    const { values, positionals } = parseCommandArgs(OPTIONS, ['--name', 'a', '-m', 'runs:/x/model', '--tag=k=v', '--tag', 'k2=v2', '--force', 'dir'], {
      name: 'DIR',
      description: '',
    });
    assert.deepEqual(values, { name: 'a', 'model-uri': 'runs:/x/model', format: 'text', tag: ['k=v', 'k2=v2'], force: true });
    assert.deepEqual(positionals, ['dir']);
    const bare = parseCommandArgs(OPTIONS, ['--name=b']).values;
    assert.deepEqual(bare, { name: 'b', 'model-uri': undefined, format: 'text', tag: [], force: false });
  });

  it('says what is wrong and with which option', () => {
    assert.equal(usageError(['--name', 'a', '--frobnicate']), 'unknown option --frobnicate');
    assert.equal(usageError(['--name']), '--name needs a value');
    assert.equal(usageError([]), '--name NAME is required');
    assert.equal(usageError(['--name', 'a', '--format', 'xml']), "--format must be text or json, not 'xml'");
    assert.equal(usageError(['--name', 'a', '--name', 'b']), '--name is given twice');
    assert.equal(usageError(['--name', 'a', '--force=yes']), '--force takes no value');
    assert.equal(usageError(['--name', 'a', 'stray']), "unexpected argument 'stray'");
    assert.match(usageError(['--name', 'a', 'one', 'two'], { name: 'DIR', description: '', max: 1 }), /unexpected argument 'two' \(DIR is already 'one'\)/);
  });
});

describe('cli dispatch', () => {
  it('routes two-word commands and passes the remaining arguments', async () => {
    const io = capture();
    assert.equal(await runCliCommand(commands, ['runs', 'list', '--experiment', 'x'], io), 0);
    assert.deepEqual(seen.at(-1), 'x');
  });

  it('returns the command exit code', async () => {
    assert.equal(await runCliCommand(commands, ['validate', 'a', 'b'], capture()), 2);
  });

  it('reports a usage error with the usage line and exit code 2', async () => {
    const io = capture();
    assert.equal(await runCliCommand(commands, ['runs', 'list'], io), 2);
    assert.equal(io.stderr, 'mlflow-wb runs list: --experiment NAME is required\nUsage: mlflow-wb runs list --experiment NAME\n');
  });

  it('reports input naming what is not there with exit 1 and no usage line, a malformed command line with 2 and the usage line', async () => {
    const unknown = capture();
    assert.equal(await runCliCommand(commands, ['runs', 'show', 'f00'], unknown), 1);
    assert.equal(unknown.stderr, 'mlflow-wb runs show: no run f00 at MLflow 127.0.0.1:5000\n');
    const malformed = capture();
    assert.equal(await runCliCommand(commands, ['runs', 'show', '--format', 'xml', 'f00'], malformed), 2);
    assert.equal(malformed.stderr, "mlflow-wb runs show: --format must be text or json, not 'xml'\nUsage: mlflow-wb runs show [--format text|json] [RUN_ID...]\n");
    const missing = capture();
    assert.equal(await runCliCommand(commands, ['runs', 'show'], missing), 2);
    assert.match(missing.stderr, /^mlflow-wb runs show: give at least one run id\nUsage: /);
  });

  it('mlflow-wb commands: a path that does not exist exits 1, an --expr that does not parse exits 2 with the usage line', async () => {
    const noFile = capture();
    assert.equal(await runCliCommand(cliCommands, ['validate', '/nonexistent/mlflow-wb/MLproject'], noFile), 1);
    assert.equal(noFile.stderr, 'mlflow-wb validate: no such file or folder: /nonexistent/mlflow-wb/MLproject\n');
    // Parsed before any server is asked: no tracking URI is needed to be told.
    const badExpr = capture();
    assert.equal(await runCliCommand(cliCommands, ['runs', 'history', '--expr', 'loss ^ 2', 'f00'], badExpr), 2);
    assert.match(badExpr.stderr, /^mlflow-wb runs history: --expr: .*\nUsage: mlflow-wb runs history /);
  });

  it('reports expected errors with exit 1 and throws the others', async () => {
    const io = capture();
    assert.equal(await runCliCommand(commands, ['boom'], io), 1);
    assert.equal(io.stderr, 'mlflow-wb boom: out of range\n');
    const bug = defineCommand({ name: 'bug', summary: '', options: {}, run: async () => void JSON.parse('{') });
    await assert.rejects(runCliCommand([bug], ['bug'], capture()), SyntaxError);
  });

  it('names an unknown command and lists the known ones', async () => {
    const io = capture();
    assert.equal(await runCliCommand(commands, ['frobnicate'], io), 2);
    assert.match(io.stderr, /unknown command 'frobnicate'/);
    assert.match(io.stderr, /runs list/);
  });

  it('prints help generated from the option definitions without running the command', async () => {
    const before = seen.length;
    const io = capture();
    assert.equal(await runCliCommand(commands, ['validate', '--help'], io), 0);
    assert.match(io.stdout, /^Usage: mlflow-wb validate \[PATH\.\.\.\]\n\nValidate\.\n\nOptions:\n {2}PATH {2}what to check\n$/);
    assert.equal(seen.length, before);
  });

  it('gives every mlflow-wb command a --help that lists each of its options', async () => {
    for (const command of cliCommands) {
      const io = capture();
      assert.equal(await runCliCommand(cliCommands, [...command.name.split(' '), '--help'], io), 0, command.name);
      assert.ok(io.stdout.startsWith(`Usage: mlflow-wb ${command.usage}\n`), command.name);
    }
    const runsHelp = capture();
    await runCliCommand(cliCommands, ['runs', 'list', '--help'], runsHelp);
    assert.match(runsHelp.stdout, /--max N +list at most N runs \(default 100\)/);
    assert.match(runsHelp.stdout, /--all +list every run/);
    const registerHelp = capture();
    await runCliCommand(cliCommands, ['models', 'register', '-h'], registerHelp);
    assert.match(
      registerHelp.stdout,
      /-m, --model-uri URI +runs:\/<run id>\/model, models:\/<model id>, models:\/<name>\/<version> or models:\/<name>@<alias>/,
    );
  });
});
