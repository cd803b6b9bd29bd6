import * as http from 'node:http';
import { MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { startModelServer, type ModelServer } from '../../src/engine/serving/localModelServer';
import { requestParams, type ApiRequest } from './apiRequest';
import { DatabricksError } from './databricksErrors';

// Model Serving endpoints (REST API 2.0 `/api/2.0/serving-endpoints`, queries at
// `/serving-endpoints/{name}/invocations`). Each served entity really runs: `mlflow models serve
// -m models:/<entity_name>/<entity_version> --env-manager local` against the real tracking server.
// The endpoint is NOT_READY / IN_PROGRESS until every model server answers /ping, then READY.
// Invocations go to the first served entity (traffic_config is kept, not applied).

/** An answer that is not Databricks JSON with status 200 (an invocation's status and bytes). */
export class RawAnswer {
  constructor(
    readonly status: number,
    readonly body: Buffer,
    readonly headers: Record<string, string>,
  ) {}
}

interface ServedEntity {
  name: string;
  entity_name: string;
  entity_version: string;
  workload_size: string;
  scale_to_zero_enabled: boolean;
  creator: string;
  creation_timestamp: number;
  state: { deployment: string; deployment_state_message: string };
  server?: ModelServer;
}

interface Endpoint {
  id: string;
  name: string;
  creator: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  ready: 'READY' | 'NOT_READY';
  config_update: 'NOT_UPDATING' | 'IN_PROGRESS' | 'UPDATE_FAILED';
  entities: ServedEntity[];
  traffic_config?: unknown;
  tags: { key: string; value?: string }[];
  deployed: boolean;
  deleted: boolean;
}

export interface ServingEndpointsApiOptions {
  mlflowTrackingUri: string;
  python: string;
  /** How long a model server may take to answer /ping; default 180 s. */
  startTimeoutMs?: number;
  onLog?: (line: string) => void;
}

const NAME = /^[A-Za-z0-9_-]{1,63}$/;

export class ServingEndpointsApi {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly upstream: MlflowRestClient;
  private readonly deployments = new Set<Promise<void>>();
  private nextId = 1;

  constructor(private readonly options: ServingEndpointsApiOptions) {
    this.upstream = new MlflowRestClient({ baseUrl: options.mlflowTrackingUri }, { maxRetries: 1 });
  }

  /** True for the paths served here. */
  static handles(path: string): boolean {
    return /^\/api\/2\.0\/serving-endpoints(\/[^/]+)?$/.test(path) || /^\/serving-endpoints\/[^/]+\/invocations$/.test(path);
  }

  async handle(req: ApiRequest, userName: string): Promise<unknown> {
    const p = req.path;
    if (p === '/api/2.0/serving-endpoints') {
      if (req.method === 'GET') return { endpoints: [...this.endpoints.values()].map((e) => this.summary(e)) };
      if (req.method === 'POST') return this.create(requestParams(req), userName);
      throw DatabricksError.endpointNotFound(req.method, p);
    }
    let m = /^\/api\/2\.0\/serving-endpoints\/([^/]+)$/.exec(p);
    if (m) {
      const endpoint = this.find(decodeURIComponent(m[1]!));
      if (req.method === 'GET') return this.detailed(endpoint);
      if (req.method === 'DELETE') {
        await this.remove(endpoint);
        return {};
      }
      throw DatabricksError.endpointNotFound(req.method, p);
    }
    m = /^\/serving-endpoints\/([^/]+)\/invocations$/.exec(p);
    if (m && req.method === 'POST') return this.invoke(this.find(decodeURIComponent(m[1]!)), req);
    throw DatabricksError.endpointNotFound(req.method, p);
  }

  /** The URL of the model server behind an endpoint's first served entity, while it runs (for tests). */
  modelServerUrl(name: string): string | undefined {
    return this.endpoints.get(name)?.entities[0]?.server?.url;
  }

  /** Stops every model server (and waits for deployments still starting). */
  async stopAll(): Promise<void> {
    for (const endpoint of this.endpoints.values()) endpoint.deleted = true;
    await Promise.allSettled([...this.deployments]);
    await Promise.all([...this.endpoints.values()].flatMap((e) => e.entities.map((s) => s.server?.stop())));
    this.endpoints.clear();
  }

  private async create(params: Record<string, unknown>, userName: string): Promise<unknown> {
    const name = params.name;
    if (typeof name !== 'string' || !name) throw DatabricksError.invalidParameter('Missing required field: name');
    if (!NAME.test(name)) throw DatabricksError.invalidParameter(`Invalid endpoint name '${name}': use letters, digits, '-' and '_' (at most 63).`);
    if (this.endpoints.has(name)) throw DatabricksError.alreadyExists(`Endpoint with name '${name}' already exists.`);
    const config = params.config as { served_entities?: unknown; served_models?: unknown; traffic_config?: unknown } | undefined;
    const given = (config?.served_entities ?? config?.served_models) as Record<string, unknown>[] | undefined;
    if (!Array.isArray(given) || given.length === 0) throw DatabricksError.invalidParameter('config.served_entities must name at least one entity to serve.');
    const now = Date.now();
    const entities: ServedEntity[] = [];
    for (const [i, raw] of given.entries()) {
      const entityName = raw.entity_name ?? raw.model_name;
      const entityVersion = raw.entity_version ?? raw.model_version;
      if (typeof entityName !== 'string' || !entityName) throw DatabricksError.invalidParameter(`config.served_entities[${i}].entity_name is required.`);
      if ((typeof entityVersion !== 'string' && typeof entityVersion !== 'number') || entityVersion === '') {
        throw DatabricksError.invalidParameter(`config.served_entities[${i}].entity_version is required for a registered model.`);
      }
      await this.upstream.getModelVersion(entityName, String(entityVersion)).catch((err: unknown) => {
        if (err instanceof MlflowApiError && (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.httpStatus === 404)) {
          throw DatabricksError.doesNotExist(`Model version ${entityVersion} of '${entityName}' does not exist in the model registry.`);
        }
        throw err;
      });
      const entityLabel = typeof raw.name === 'string' && raw.name ? raw.name : `${entityName.replace(/\./g, '-')}-${entityVersion}`;
      if (entities.some((e) => e.name === entityLabel)) throw DatabricksError.invalidParameter(`Served entity name '${entityLabel}' is used twice.`);
      entities.push({
        name: entityLabel,
        entity_name: entityName,
        entity_version: String(entityVersion),
        workload_size: typeof raw.workload_size === 'string' ? raw.workload_size : 'Small',
        scale_to_zero_enabled: raw.scale_to_zero_enabled === true,
        creator: userName,
        creation_timestamp: now,
        state: { deployment: 'DEPLOYMENT_CREATING', deployment_state_message: 'Creating the model server.' },
      });
    }
    const endpoint: Endpoint = {
      id: (this.nextId++).toString(16).padStart(32, '0'),
      name,
      creator: userName,
      creation_timestamp: now,
      last_updated_timestamp: now,
      ready: 'NOT_READY',
      config_update: 'IN_PROGRESS',
      entities,
      traffic_config: config?.traffic_config ?? { routes: [{ served_model_name: entities[0]!.name, traffic_percentage: 100 }] },
      tags: Array.isArray(params.tags) ? (params.tags as { key: string; value?: string }[]) : [],
      deployed: false,
      deleted: false,
    };
    this.endpoints.set(name, endpoint);
    const deployment = this.deploy(endpoint);
    this.deployments.add(deployment);
    void deployment.finally(() => this.deployments.delete(deployment));
    return this.detailed(endpoint);
  }

  private async deploy(endpoint: Endpoint): Promise<void> {
    const results = await Promise.allSettled(
      endpoint.entities.map(async (entity) => {
        const server = await startModelServer({
          python: this.options.python,
          modelUri: `models:/${entity.entity_name}/${entity.entity_version}`,
          trackingUri: this.options.mlflowTrackingUri,
          envManager: 'local',
          startTimeoutMs: this.options.startTimeoutMs ?? 180_000,
          onLog: (line) => this.options.onLog?.(`[serving ${endpoint.name}/${entity.name}] ${line}`),
        });
        if (endpoint.deleted) {
          await server.stop();
          return;
        }
        entity.server = server;
        entity.state = { deployment: 'DEPLOYMENT_READY', deployment_state_message: '' };
      }),
    );
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        const entity = endpoint.entities[i]!;
        entity.state = { deployment: 'DEPLOYMENT_FAILED', deployment_state_message: String((r.reason as Error).message ?? r.reason).split('\n')[0]! };
      }
    });
    endpoint.last_updated_timestamp = Date.now();
    if (results.every((r) => r.status === 'fulfilled')) {
      endpoint.ready = 'READY';
      endpoint.config_update = 'NOT_UPDATING';
      endpoint.deployed = true;
    } else {
      endpoint.config_update = 'UPDATE_FAILED';
    }
  }

  private async remove(endpoint: Endpoint): Promise<void> {
    endpoint.deleted = true;
    this.endpoints.delete(endpoint.name);
    await Promise.all(endpoint.entities.map((e) => e.server?.stop()));
  }

  private async invoke(endpoint: Endpoint, req: ApiRequest): Promise<RawAnswer> {
    const target = endpoint.entities[0]?.server;
    if (endpoint.ready !== 'READY' || !target) {
      throw new DatabricksError(
        503,
        'TEMPORARILY_UNAVAILABLE',
        `Endpoint '${endpoint.name}' is not ready yet (${endpoint.ready}, ${endpoint.config_update}). Wait until its state is READY.`,
      );
    }
    const contentType = String(req.headers['content-type'] ?? 'application/json');
    return new Promise((resolve, reject) => {
      const forward = http.request(
        `${target.url}/invocations`,
        { method: 'POST', headers: { 'Content-Type': contentType, 'Content-Length': req.body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve(new RawAnswer(res.statusCode ?? 502, Buffer.concat(chunks), { 'Content-Type': String(res.headers['content-type'] ?? 'application/json') })),
          );
          res.on('error', reject);
        },
      );
      forward.on('error', (err) =>
        reject(new DatabricksError(503, 'TEMPORARILY_UNAVAILABLE', `The model server of endpoint '${endpoint.name}' did not answer: ${err.message}`)),
      );
      forward.end(req.body);
    });
  }

  private find(name: string): Endpoint {
    const endpoint = this.endpoints.get(name);
    if (!endpoint) throw DatabricksError.doesNotExist(`Endpoint with name '${name}' does not exist.`);
    return endpoint;
  }

  private state(e: Endpoint): { ready: string; config_update: string } {
    return { ready: e.ready, config_update: e.config_update };
  }

  /** The fields every view of an endpoint has. */
  private header(e: Endpoint): Record<string, unknown> {
    return {
      name: e.name,
      id: e.id,
      creator: e.creator,
      creation_timestamp: e.creation_timestamp,
      last_updated_timestamp: e.last_updated_timestamp,
      state: this.state(e),
      tags: e.tags,
    };
  }

  /** What `GET /api/2.0/serving-endpoints` lists per endpoint: served entities without their state. */
  private summary(e: Endpoint): Record<string, unknown> {
    const entities = e.entities.map((s) => ({ name: s.name, entity_name: s.entity_name, entity_version: s.entity_version }));
    return { ...this.header(e), config: { served_entities: entities } };
  }

  /** What `GET /api/2.0/serving-endpoints/{name}` (and create) answers. */
  private detailed(e: Endpoint): Record<string, unknown> {
    const entities = e.entities.map(({ server: _server, ...s }) => s);
    const config = { served_entities: entities, traffic_config: e.traffic_config, config_version: 1 };
    return {
      ...this.header(e),
      ...(e.deployed ? { config } : { pending_config: { ...config, start_time: e.creation_timestamp } }),
      permission_level: 'CAN_MANAGE',
      route_optimized: false,
    };
  }
}
