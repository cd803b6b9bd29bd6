import schemaJson from './clusterSpec.schema.json';
import type { ValidationDiagnostic } from './diagnostic';
import { didYouMean } from './didYouMean';
import { getProperty, parseJsonWithRanges, type JNode, type JObject, type JScalar } from './jsonTree';
import { isPlaceholder } from './requirementChecks';
import { clip, Reporter } from './yamlRuleHelpers';

/** The subset of JSON Schema draft-07 that clusterSpec.schema.json uses. */
interface Schema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: string[];
  minimum?: number;
  maxItems?: number;
  required?: string[];
}

const rootSchema = schemaJson as unknown as Schema & { definitions: Record<string, Schema> & { jobRequest: { anyOf: { required: string[] }[] } } };
/** The cluster spec proper: the schema's `else` branch (its `if` recognises a Jobs request, which it leaves alone). */
const specSchema = rootSchema.definitions.clusterSpec;

function resolve(s: Schema): Schema {
  let cur = s;
  for (let hops = 0; cur.$ref && hops < 10; hops++) {
    let target: unknown = rootSchema;
    for (const part of cur.$ref.replace(/^#\//, '').split('/')) target = (target as Record<string, unknown>)[part];
    cur = { ...(target as Schema), description: cur.description ?? (target as Schema).description };
  }
  return cur;
}

const WRAPPER_KEYS = ['new_cluster', 'libraries', 'existing_cluster_id'];
/** Databricks Runtime version keys (each part read one way: no backtracking on long keys): 15.4.x-scala2.12, 14.3.x-gpu-ml-scala2.12, 15.4.x-cpu-ml-scala2.12, 16.0.x-photon-scala2.12 ... */
const SPARK_VERSION = /^\d+\.\d+\.x(?:-(?:cpu-ml|gpu-ml|ml|photon|aarch64|snapshot))*-scala\d+\.\d+$|^(?:custom|apache-spark)-/;
const REMOTE_PATH = /^(?:dbfs:\/|\/Workspace\/|\/Volumes\/|s3a?:\/\/|abfss:\/\/|gs:\/\/|wasbs:\/\/|https?:\/\/)/;

export function validateClusterSpec(text: string): ValidationDiagnostic[] {
  const r = new Reporter(text);
  const parsed = parseJsonWithRanges(text);
  if (parsed.error || !parsed.root) {
    const e = parsed.error!;
    r.add('json/syntax', 'error', e.message, { start: e.start, end: e.end });
    return r.diagnostics;
  }
  const root = parsed.root;
  if (root.kind !== 'object') {
    r.add(
      'cluster/not-an-object',
      'error',
      'A cluster specification must be a JSON object: a new_cluster object, or {"new_cluster": {...}, "libraries": [...]}.',
      { start: root.start, end: root.end },
    );
    return r.diagnostics;
  }
  if (checkJobRequest(r, root)) return r.diagnostics;
  walk(r, root, specSchema, 'the cluster specification', getProperty(root, 'new_cluster') !== undefined);

  const existing = getProperty(root, 'existing_cluster_id');
  const newCluster = getProperty(root, 'new_cluster');
  if (existing) {
    r.add(
      'cluster/existing-cluster',
      'error',
      `MLflow Project runs on Databricks must provide a *new cluster* specification. Project execution against existing clusters is not currently supported. (MLflow)${newCluster ? ' Remove existing_cluster_id; new_cluster is already given.' : ' Replace it with a new_cluster specification.'}`,
      { start: existing.key.start, end: existing.key.end },
      newCluster
        ? {
            fixes: [
              { title: 'Remove existing_cluster_id', edits: [{ range: removePropertyRange(text, root, existing.key.start), newText: '' }], isPreferred: true },
            ],
          }
        : undefined,
    );
  }
  let cluster: JObject | undefined = root;
  if (newCluster) {
    cluster = newCluster.value.kind === 'object' ? newCluster.value : undefined;
    for (const p of root.properties) {
      if (WRAPPER_KEYS.includes(p.key.value)) continue;
      if (specSchema.properties?.[p.key.value]) {
        r.add(
          'cluster/mixed-forms',
          'error',
          `'${p.key.value}' belongs inside new_cluster: with a "new_cluster" key, MLflow sends only new_cluster and libraries and drops the rest.`,
          { start: p.key.start, end: p.key.end },
        );
      }
    }
  } else {
    const libs = getProperty(root, 'libraries');
    if (libs)
      r.add(
        'cluster/libraries-without-new-cluster',
        'warning',
        'MLflow reads "libraries" only in the wrapper form {"new_cluster": {...}, "libraries": [...]}; here the whole object, "libraries" included, is sent as the cluster, where Databricks documents no such field, so the libraries may not be installed. Use the wrapper form.',
        { start: libs.key.start, end: libs.key.end },
      );
  }
  if (cluster && !(existing && !newCluster)) checkCluster(r, cluster);
  const runtime = cluster ? runtimeOf(cluster) : undefined;
  const libs = getProperty(root, 'libraries');
  if (libs && libs.value.kind === 'array') for (const lib of libs.value.items) if (lib.kind === 'object') checkLibrary(r, lib, runtime);
  checkServerless(r, root, cluster);
  return r.diagnostics;
}

/**
 * Top-level keys of a Databricks Jobs request (runs/submit, jobs/create): such a file holds a task
 * and is not the cluster spec `mlflow run --backend-config` takes, whatever its name says. The same
 * list is the schema's `if` (definitions.jobRequest), so VS Code's JSON support leaves such files alone too.
 */
export const JOB_REQUEST_KEYS: ReadonlySet<string> = new Set(rootSchema.definitions.jobRequest.anyOf.map((a) => a.required[0]));
/** Keys a cluster spec may also carry (serverless ones get their own error below). */
const SHARED_WITH_CLUSTER = new Set(['environments']);

/**
 * A Jobs request named as a cluster spec (`run_submit_existing_cluster.json`, or the docs' {"cluster_spec": ...,
 * "run_name": ...}) gets one error saying what it is, instead of a cluster check of each of its fields.
 * The wrapper form {"new_cluster": ..., "libraries": ...} with other job keys is a cluster spec: MLflow
 * reads new_cluster and libraries from it and drops the rest.
 */
function checkJobRequest(r: Reporter, root: JObject): boolean {
  if (getProperty(root, 'new_cluster')) return false;
  const jobKey = root.properties.find((p) => JOB_REQUEST_KEYS.has(p.key.value) && !SHARED_WITH_CLUSTER.has(p.key.value));
  if (!jobKey) return false;
  const keys = root.properties.filter((p) => JOB_REQUEST_KEYS.has(p.key.value)).map((p) => `"${clip(p.key.value, 30)}"`);
  const nested = getProperty(root, 'cluster_spec');
  const inner =
    nested && nested.value.kind === 'object' && getProperty(nested.value, 'new_cluster')
      ? ' Its cluster is under cluster_spec.new_cluster: put {"new_cluster": ...} at the top level.'
      : '';
  const existing = getProperty(root, 'existing_cluster_id')
    ? ' With existing_cluster_id MLflow refuses it: "MLflow Project runs on Databricks must provide a *new cluster* specification."'
    : ' MLflow would send the whole object as the cluster, which Databricks refuses.';
  r.add(
    'cluster/job-request',
    'error',
    `This is a Databricks Jobs request (${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', ...' : ''}), not the cluster spec \`mlflow run --backend-config\` takes (a new_cluster object, or {"new_cluster": {...}, "libraries": [...]}).${existing}${inner}`,
    { start: jobKey.key.start, end: jobKey.key.end },
  );
  return true;
}

function removePropertyRange(text: string, obj: JObject, keyStart: number): { start: number; end: number } {
  const i = obj.properties.findIndex((p) => p.key.start === keyStart);
  const p = obj.properties[i];
  const next = obj.properties[i + 1];
  if (next) return { start: lineStartOrSelf(text, p.key.start), end: lineStartOrSelf(text, next.key.start) };
  const prev = obj.properties[i - 1];
  return prev ? { start: prev.value.end, end: p.value.end } : { start: p.key.start, end: p.value.end };
}

/** The start of the line if only whitespace precedes the offset on it (so whole lines go away). */
function lineStartOrSelf(text: string, at: number): number {
  let s = at;
  while (s > 0 && (text[s - 1] === ' ' || text[s - 1] === '\t')) s--;
  return s === 0 || text[s - 1] === '\n' ? s : at;
}

function typeOf(node: JNode): string {
  if (node.kind === 'number') return Number.isInteger(node.value) ? 'integer' : 'number';
  return node.kind;
}

/** `wrapper`: the root of {"new_cluster": ..., "libraries": ...}, whose other keys MLflow drops unread. */
function walk(r: Reporter, node: JNode, schemaIn: Schema, where: string, wrapper = false): void {
  const schema = resolve(schemaIn);
  if (schema.type) {
    const actual = typeOf(node);
    const ok = actual === schema.type || (schema.type === 'number' && actual === 'integer');
    if (!ok) {
      r.add(
        'cluster/invalid-type',
        'error',
        `${where} must be ${article(schema.type)}, but it is ${article(actual === 'string' ? 'string' : actual)}${node.kind === 'string' && (schema.type === 'integer' || schema.type === 'number') ? ' (remove the quotes)' : ''}.`,
        { start: node.start, end: node.end },
      );
      return;
    }
  }
  if (schema.enum && node.kind === 'string' && !schema.enum.includes(node.value as string)) {
    const s = didYouMean(node.value as string, schema.enum);
    r.add(
      'cluster/invalid-value',
      'error',
      `${where} must be one of ${schema.enum.join(', ')}${s ? `: did you mean ${s}?` : '.'}`,
      { start: node.start, end: node.end },
      s
        ? { fixes: [{ title: `Change to ${s}`, edits: [{ range: { start: node.start, end: node.end }, newText: JSON.stringify(s) }], isPreferred: true }] }
        : undefined,
    );
  }
  if (schema.minimum !== undefined && node.kind === 'number' && (node.value as number) < schema.minimum) {
    r.add('cluster/invalid-value', 'error', `${where} must be at least ${schema.minimum}.`, { start: node.start, end: node.end });
  }
  if (node.kind === 'array') {
    if (schema.maxItems !== undefined && node.items.length > schema.maxItems)
      r.add('cluster/invalid-value', 'error', `${where} allows at most ${schema.maxItems} entries.`, { start: node.start, end: node.end });
    if (schema.items) node.items.forEach((item, i) => walk(r, item, schema.items!, `${where}[${i}]`));
  }
  if (node.kind === 'object') {
    const props = schema.properties ?? {};
    const known = Object.keys(props);
    for (const p of node.properties) {
      const sub = props[p.key.value];
      if (sub) {
        walk(r, p.value, sub, p.key.value);
        continue;
      }
      if (schema.additionalProperties === false && !wrapper) {
        const s = didYouMean(p.key.value, known);
        r.add(
          'cluster/unknown-key',
          'warning',
          `Unknown key "${clip(p.key.value)}" in ${where}${s ? `: did you mean "${s}"?` : '.'} Databricks rejects or ignores it.`,
          { start: p.key.start, end: p.key.end },
          s
            ? {
                fixes: [
                  { title: `Change to "${s}"`, edits: [{ range: { start: p.key.start, end: p.key.end }, newText: JSON.stringify(s) }], isPreferred: true },
                ],
              }
            : undefined,
        );
      } else if (typeof schema.additionalProperties === 'object') {
        walk(r, p.value, schema.additionalProperties, `${where}.${p.key.value}`);
      }
    }
    for (const req of schema.required ?? []) {
      if (!getProperty(node, req)) r.add('cluster/missing-key', 'error', `${where} needs "${req}".`, { start: node.start, end: node.start + 1 });
    }
  }
}

function article(t: string): string {
  return `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`;
}

function checkCluster(r: Reporter, cluster: JObject): void {
  checkRuntimeNotes(r, cluster);
  const at = (n: { start: number; end: number }) => ({ start: n.start, end: n.end });
  const head = { start: cluster.start, end: cluster.start + 1 };
  const sv = getProperty(cluster, 'spark_version');
  if (!sv)
    r.add(
      'cluster/missing-spark-version',
      'error',
      'The cluster needs "spark_version", e.g. "15.4.x-scala2.12" (ML runtimes: "15.4.x-cpu-ml-scala2.12", "14.3.x-gpu-ml-scala2.12").',
      head,
    );
  else if (sv.value.kind === 'string' && !isPlaceholder(sv.value.value as string) && !SPARK_VERSION.test(sv.value.value as string)) {
    r.add(
      'cluster/invalid-spark-version',
      'error',
      `"${clip(sv.value.value as string)}" is not a Databricks Runtime version key. They look like "15.4.x-scala2.12", "15.4.x-cpu-ml-scala2.12" or "14.3.x-gpu-ml-scala2.12".`,
      at(sv.value),
    );
  }
  if (!getProperty(cluster, 'node_type_id') && !getProperty(cluster, 'instance_pool_id') && !getProperty(cluster, 'policy_id')) {
    r.add(
      'cluster/missing-node-type',
      'error',
      'The cluster needs "node_type_id" (e.g. "i3.xlarge", "Standard_DS3_v2", "n2-standard-4") or "instance_pool_id".',
      head,
    );
  }
  const nw = getProperty(cluster, 'num_workers');
  const as = getProperty(cluster, 'autoscale');
  if (nw && as) {
    r.add('cluster/workers-and-autoscale', 'error', 'Set either "num_workers" or "autoscale", not both: Databricks rejects the cluster.', at(as.key));
  } else if (!nw && !as) {
    r.add(
      'cluster/missing-workers',
      'error',
      'The cluster needs "num_workers" (0 for single node) or "autoscale": {"min_workers": ..., "max_workers": ...}.',
      head,
    );
  }
  if (as && as.value.kind === 'object') {
    const min = getProperty(as.value, 'min_workers');
    const max = getProperty(as.value, 'max_workers');
    if (!min || !max) r.add('cluster/invalid-autoscale', 'error', 'autoscale needs both "min_workers" and "max_workers".', at(as.key));
    else if (min.value.kind === 'number' && max.value.kind === 'number' && (min.value.value as number) > (max.value.value as number)) {
      r.add('cluster/invalid-autoscale', 'error', `min_workers (${min.value.value}) must not exceed max_workers (${max.value.value}).`, at(min.value));
    }
  }
  const dsm = getProperty(cluster, 'data_security_mode');
  if (dsm && dsm.value.kind === 'string' && dsm.value.value === 'SINGLE_USER' && !getProperty(cluster, 'single_user_name')) {
    r.add(
      'cluster/missing-single-user',
      'warning',
      'data_security_mode SINGLE_USER needs "single_user_name" (the user or service principal that may run on it).',
      at(dsm.value),
    );
  }
  const scripts = getProperty(cluster, 'init_scripts');
  if (scripts && scripts.value.kind === 'array') {
    for (const s of scripts.value.items) {
      if (s.kind !== 'object') continue;
      if (s.properties.length !== 1)
        r.add('cluster/invalid-init-script', 'error', 'Each init script needs exactly one location: workspace, volumes, dbfs, s3, abfss, gcs or file.', at(s));
    }
  }
}

interface Runtime {
  major: number;
  minor: number;
  ml: boolean;
  key: string;
}

/** The Databricks Runtime of a cluster spec (15.4.x-cpu-ml-scala2.12 → 15.4, ML). */
function runtimeOf(cluster: JObject): Runtime | undefined {
  const sv = getProperty(cluster, 'spark_version');
  if (!sv || sv.value.kind !== 'string') return undefined;
  const key = sv.value.value as string;
  const m = /^(\d+)\.(\d+)\.x-/.exec(key);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), ml: /-(?:cpu-|gpu-)?ml-/.test(key), key };
}

/** Placeholders the launcher rewrites to the uploaded wheel's path (issue #13): WHEELPATH and {{wheel_path}}. */
const REWRITTEN_PLACEHOLDER = /WHEELPATH|\{\{\s*wheel_path\s*\}\}/;

/** Runtime-dependent notes on the cluster: the legacy `mlflow run -b databricks` protocol and ML runtimes. */
function checkRuntimeNotes(r: Reporter, cluster: JObject): void {
  const rt = runtimeOf(cluster);
  const sv = getProperty(cluster, 'spark_version');
  if (rt && sv && rt.ml && rt.major >= 13) {
    r.add(
      'cluster/legacy-protocol-ml-runtime',
      'info',
      `Databricks Runtime ${rt.major}.${rt.minor} ML: MLflow Projects cannot run on a job cluster with ML runtime 13.0 and above, so the legacy protocol (\`mlflow run -b databricks\`, --protocol legacy) refuses this cluster. The default jobs protocol runs it; for the legacy one, use a runtime below 13.0 or a non-ML runtime.`,
      { start: sv.value.start, end: sv.value.end },
    );
  }
}

/** A cluster spec and serverless compute exclude each other: a serverless task takes an environment, not a cluster. */
function checkServerless(r: Reporter, root: JObject, cluster: JObject | undefined): void {
  for (const key of ['environment_key', 'environments']) {
    const p = getProperty(root, key) ?? (cluster && cluster !== root ? getProperty(cluster, key) : undefined);
    if (!p || !cluster) continue;
    r.add(
      'cluster/cluster-and-serverless',
      'error',
      `"${key}" is for serverless compute, which takes no cluster, and this file is a cluster spec: Databricks rejects a task with both. Keep the cluster spec (and drop "${key}"), or run serverless (--serverless) without a cluster spec.`,
      { start: p.key.start, end: p.key.end },
    );
  }
}

function checkLibrary(r: Reporter, lib: JObject, runtime?: Runtime): void {
  if (lib.properties.length !== 1) {
    r.add('cluster/invalid-library', 'error', 'Each library needs exactly one of pypi, whl, jar, maven, cran, egg, requirements.', {
      start: lib.start,
      end: lib.end,
    });
    return;
  }
  const p = lib.properties[0];
  if ((p.key.value === 'whl' || p.key.value === 'jar' || p.key.value === 'egg' || p.key.value === 'requirements') && p.value.kind === 'string') {
    const v = p.value as JScalar & { value: string };
    if (!REMOTE_PATH.test(v.value) && !isPlaceholder(v.value)) {
      r.add(
        'cluster/invalid-library-path',
        'error',
        `The ${p.key.value} path "${clip(v.value)}" is not one Databricks can read: use /Workspace/..., /Volumes/..., dbfs:/..., s3://, abfss:// or gs:// (or a placeholder your launcher rewrites, e.g. {{wheel_path}}). A local path on this machine does not exist on the cluster.`,
        { start: v.start, end: v.end },
      );
    }
    // A wheel placeholder (dbfs:/FileStore/wheels/WHEELPATH.whl) is replaced whole by the uploaded wheel's
    // workspace or volume path (jobs protocol), so only a literal DBFS-root path is refused.
    const dbfsRoot = /^dbfs:\//i.test(v.value) && !/^dbfs:\/Volumes\//i.test(v.value) && !REWRITTEN_PLACEHOLDER.test(v.value);
    if (dbfsRoot && runtime && (runtime.major > 15 || (runtime.major === 15 && runtime.minor >= 1))) {
      r.add(
        'cluster/dbfs-library-on-15.1',
        'error',
        `Databricks Runtime ${runtime.major}.${runtime.minor} does not install libraries from the DBFS root (disabled by default on 15.1 and above): put "${clip(v.value)}" in workspace files (/Workspace/Users/<you>/...) or a Unity Catalog volume (/Volumes/<catalog>/<schema>/<volume>/...) and use that path.`,
        { start: v.start, end: v.end },
      );
    }
    if (isPlaceholder(v.value) && !REWRITTEN_PLACEHOLDER.test(v.value)) {
      r.add(
        'cluster/unrewritten-placeholder',
        'warning',
        `"${clip(v.value)}" looks like a placeholder, but the launcher rewrites only WHEELPATH and {{wheel_path}} (to the uploaded wheel's path): Databricks would receive this text verbatim and fail to install it.`,
        { start: v.start, end: v.end },
      );
    }
    if (p.key.value === 'egg')
      r.add('cluster/deprecated-egg', 'warning', 'Egg libraries are not supported on Databricks Runtime 14.0 and above; build a wheel instead.', {
        start: p.key.start,
        end: p.key.end,
      });
  }
}
