// The fake `databricks` and `az` executables of test/fixtures/fake-cli, with their state and call logs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixturesDir, makeTempDir } from './repoPaths';

const fakeCliDir = path.join(fixturesDir, 'fake-cli');

export interface FakeCli {
  /** The executable. */
  readonly path: string;
  /** PATH (fake first) and the variables pointing the fake at its state and log. */
  readonly env: Record<string, string>;
  /** The argument lists of every call so far. */
  calls(): string[][];
}

export interface FakeDatabricksCli extends FakeCli {
  /** Signs a profile in: `auth token --profile name` (or `--host host`) prints this token. */
  signIn(profile: string, host: string, accessToken: string, expiry?: Date): void;
  /** The token `auth login` saves for the profile it creates. */
  setLoginToken(token: string): void;
}

function readCalls(log: string): string[][] {
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { argv: string[] }).argv);
}

export function fakeDatabricksCli(): FakeDatabricksCli {
  const dir = makeTempDir('fake-databricks-cli');
  const state = path.join(dir, 'state.json');
  const log = path.join(dir, 'calls.jsonl');
  const read = () =>
    fs.existsSync(state) ? (JSON.parse(fs.readFileSync(state, 'utf8')) as { profiles: Record<string, unknown>; loginToken?: string }) : { profiles: {} };
  fs.writeFileSync(state, JSON.stringify({ profiles: {} }));
  return {
    path: path.join(fakeCliDir, 'databricks'),
    env: { PATH: `${fakeCliDir}${path.delimiter}${process.env.PATH ?? ''}`, FAKE_DATABRICKS_CLI_STATE: state, FAKE_DATABRICKS_CLI_LOG: log },
    calls: () => readCalls(log),
    signIn(profile, host, accessToken, expiry) {
      const s = read();
      s.profiles[profile] = { host, access_token: accessToken, ...(expiry ? { expiry: expiry.toISOString() } : {}) };
      fs.writeFileSync(state, JSON.stringify(s));
    },
    setLoginToken(token) {
      fs.writeFileSync(state, JSON.stringify({ ...read(), loginToken: token }));
    },
  };
}

export function fakeAzureCli(accessToken: string | undefined): FakeCli {
  const dir = makeTempDir('fake-az');
  const state = path.join(dir, 'state.json');
  const log = path.join(dir, 'calls.jsonl');
  fs.writeFileSync(state, JSON.stringify(accessToken ? { accessToken } : {}));
  return {
    path: path.join(fakeCliDir, 'az'),
    env: { PATH: `${fakeCliDir}${path.delimiter}${process.env.PATH ?? ''}`, FAKE_AZ_STATE: state, FAKE_AZ_LOG: log },
    calls: () => readCalls(log),
  };
}
