// The run details panel's messages (src/extension/runDetails/, webview/runDetails/), validated on
// both ends. Each type is derived from its check (webview/shared/contractChecks.ts), so the two
// cannot differ; the details' shapes are the engine's (src/engine/runDetails/runDetailsTypes.ts),
// sent as they are, and their checks must name exactly their fields.
// Plain TypeScript, no DOM and no Node: compiled into the extension and bundled into the webview.
import type { MlflowFileInfo } from '../../src/engine/mlflow/mlflowTypes';
import type { KeyValue, RunDetails, RunDetailsProblem, RunMetric, RunModelVersion, RunOverview, SparkPoint } from '../../src/engine/runDetails/runDetailsTypes';
import {
  arr,
  bool,
  num,
  obj,
  oneOf,
  optional,
  orMissing,
  shapeOf,
  str,
  tuple,
  messageValidator,
  valueValidator,
  type Check,
  type Infer,
  type MessageOf,
} from '../shared/contractChecks';
import { runFields } from '../shared/runChecks';

export type { KeyValue, RunDetails, RunMetric } from '../../src/engine/runDetails/runDetailsTypes';

/** A relative artifact path: no leading slash, no backslash, no `.`/`..` segments, no NUL. */
const artifactPath: Check<string> = (v, p) => {
  const e = str(4000)(v, p);
  if (e) return e;
  const s = v as string;
  if (s === '' || s.startsWith('/') || s.includes('\\') || s.includes('\0') || s.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
    return `${p} must be a relative artifact path without "..", "." or empty segments`;
  }
  return undefined;
};

const keyValue = shapeOf<KeyValue>()(obj({ key: str(1000), value: str() }));
const fileInfo = shapeOf<MlflowFileInfo>()(obj({ path: str(4000), is_dir: bool, file_size: optional(num) }));
const runOverview = shapeOf<RunOverview>()(
  obj({
    ...runFields,
    runName: optional(str(1000)),
    lifecycleStage: str(50),
    experimentName: optional(str(1000)),
    durationMs: optional(num),
    user: optional(str(1000)),
    sourceName: optional(str()),
    sourceType: optional(str(100)),
    entryPoint: optional(str(1000)),
    parentRunId: optional(str(200)),
    artifactUri: optional(str()),
    gitCommit: optional(str(200)),
    gitRepoUrl: optional(str(4000)),
    gitBranch: optional(str(1000)),
    gitCommitUrl: optional(str(4000)),
    gitHost: optional(oneOf('github', 'gitlab', 'bitbucket', 'azure')),
  }),
);
const sparkPoint = shapeOf<SparkPoint>()(tuple(num, num, orMissing(num)));
const runMetric = shapeOf<RunMetric>()(
  obj({
    key: str(1000),
    latest: orMissing(num),
    latestText: str(100),
    step: num,
    timestamp: num,
    min: optional(num),
    max: optional(num),
    exact: bool,
    history: arr(sparkPoint, 100_000),
  }),
);
const runModelVersion = shapeOf<RunModelVersion>()(
  obj({
    name: str(1000),
    version: str(50),
    stage: optional(str(50)),
    aliases: arr(str(1000), 1000),
    status: optional(str(100)),
    source: optional(str()),
    creationTimestamp: optional(num),
  }),
);
const problem = shapeOf<RunDetailsProblem>()(obj({ section: oneOf('experiment', 'metrics', 'artifacts', 'models'), message: str(10_000) }));
const runDetails = shapeOf<RunDetails>()(
  obj({
    overview: runOverview,
    params: arr(keyValue),
    metrics: arr(runMetric),
    tags: arr(keyValue),
    systemTags: arr(keyValue),
    artifacts: arr(fileInfo),
    modelVersions: arr(runModelVersion),
    problems: arr(problem),
  }),
);

/** Extension → run details webview. */
const toRunDetailsChecks = {
  /** `refreshing`: the run is still running and the panel re-reads it. */
  details: obj({ connectionId: str(2000), connectionLabel: str(1000), details: runDetails, refreshing: bool }),
  loading: obj({ what: str(1000) }),
  /** The run could not be loaded; `retry`: a Retry button makes sense. */
  error: obj({ message: str(10_000), retry: bool }),
  /** The files of an artifact folder the webview asked for (`error` when listing failed). */
  artifacts: obj({ path: str(4000), files: arr(fileInfo), error: optional(str(10_000)) }),
  notice: obj({ message: str(10_000) }),
};
export type ToRunDetailsMessage = MessageOf<typeof toRunDetailsChecks>;

/** Run details webview → extension. */
const fromRunDetailsChecks = {
  ready: obj({}),
  retry: obj({}),
  /** Opens (or downloads) an artifact file listed by the panel. */
  openArtifact: obj({ path: artifactPath }),
  /** Lists an artifact folder listed by the panel. */
  listArtifacts: obj({ path: artifactPath }),
  /** Opens the run's git commit page (the URL the extension computed; the webview sends none). */
  openCommit: obj({}),
  compareWithPrevious: obj({}),
  copy: obj({ text: str() }),
};
export type FromRunDetailsMessage = MessageOf<typeof fromRunDetailsChecks>;

/** What the run details panel persists (vscode.setState) and its serializer restores. */
const runDetailsState = obj({ connectionId: str(2000), runId: str(200) });
export type RunDetailsPanelState = Infer<typeof runDetailsState>;

/** Validates a message the run details webview received from the extension. */
export const validateToRunDetails = messageValidator(toRunDetailsChecks, 'toRunDetails');

/** Validates a message the extension received from the run details webview. */
export const validateFromRunDetails = messageValidator(fromRunDetailsChecks, 'fromRunDetails');

/** Validates the state a run details panel's serializer restores. */
export const validateRunDetailsState = valueValidator(runDetailsState, 'state', (state) => (state.runId === '' ? 'state.runId is empty' : undefined));
