import { requestParams, stringParam, type ApiRequest } from './apiRequest';
import { DatabricksError } from './databricksErrors';

/** A cluster as Clusters API 2.0 `get`/`list` describe it (the fields the product reads, and a few more). */
export interface EmulatedCluster {
  cluster_id: string;
  cluster_name: string;
  state: 'PENDING' | 'RUNNING' | 'RESTARTING' | 'RESIZING' | 'TERMINATING' | 'TERMINATED' | 'ERROR' | 'UNKNOWN';
  state_message: string;
  spark_version: string;
  node_type_id: string;
  driver_node_type_id: string;
  num_workers?: number;
  autoscale?: { min_workers: number; max_workers: number };
  autotermination_minutes: number;
  creator_user_name: string;
  cluster_source: 'UI' | 'API' | 'JOB';
  start_time: number;
  terminated_time?: number;
  termination_reason?: { code: string; type: string; parameters?: Record<string, string> };
  spark_conf: Record<string, string>;
  spark_env_vars: Record<string, string>;
  default_tags: Record<string, string>;
}

export const SPARK_VERSIONS = [
  { key: '15.4.x-scala2.12', name: '15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)' },
  { key: '14.3.x-scala2.12', name: '14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)' },
  { key: '15.4.x-cpu-ml-scala2.12', name: '15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)' },
  { key: '13.3.x-scala2.12', name: '13.3 LTS (includes Apache Spark 3.4.1, Scala 2.12)' },
];

export const NODE_TYPES = [
  {
    node_type_id: 'i3.xlarge',
    memory_mb: 31232,
    num_cores: 4,
    description: 'i3.xlarge',
    instance_type_id: 'i3.xlarge',
    category: 'Storage Optimized',
    is_deprecated: false,
  },
  {
    node_type_id: 'm5d.large',
    memory_mb: 8192,
    num_cores: 2,
    description: 'm5d.large',
    instance_type_id: 'm5d.large',
    category: 'General Purpose',
    is_deprecated: false,
  },
  {
    node_type_id: 'r5d.xlarge',
    memory_mb: 32768,
    num_cores: 4,
    description: 'r5d.xlarge',
    instance_type_id: 'r5d.xlarge',
    category: 'Memory Optimized',
    is_deprecated: false,
  },
  {
    node_type_id: 'g4dn.xlarge',
    memory_mb: 16384,
    num_cores: 4,
    description: 'g4dn.xlarge',
    instance_type_id: 'g4dn.xlarge',
    category: 'GPU Accelerated',
    is_deprecated: false,
    num_gpus: 1,
  },
];

export function defaultClusters(userName: string, now = Date.now()): EmulatedCluster[] {
  const common = {
    driver_node_type_id: 'i3.xlarge',
    node_type_id: 'i3.xlarge',
    autotermination_minutes: 60,
    creator_user_name: userName,
    cluster_source: 'UI' as const,
    spark_conf: {},
    spark_env_vars: { PYSPARK_PYTHON: '/databricks/python3/bin/python3' },
    default_tags: { Vendor: 'Databricks', Creator: userName },
  };
  return [
    {
      ...common,
      cluster_id: '0101-120000-emurun01',
      cluster_name: 'Shared ML cluster',
      state: 'RUNNING',
      state_message: '',
      spark_version: '15.4.x-cpu-ml-scala2.12',
      num_workers: 2,
      start_time: now - 3_600_000,
    },
    {
      ...common,
      cluster_id: '0101-120000-emuoff02',
      cluster_name: 'Idle cluster',
      state: 'TERMINATED',
      state_message: 'Inactive cluster terminated (inactive for 60 minutes).',
      spark_version: '14.3.x-scala2.12',
      autoscale: { min_workers: 1, max_workers: 4 },
      start_time: now - 86_400_000,
      terminated_time: now - 80_000_000,
      termination_reason: { code: 'INACTIVITY', type: 'SUCCESS', parameters: { inactivity_duration_min: '60' } },
    },
  ];
}

/** Clusters API 2.0: list, get, spark-versions, list-node-types (read-only; clusters are configured). */
export class ClustersApi {
  constructor(readonly clusters: EmulatedCluster[]) {}

  find(clusterId: string): EmulatedCluster | undefined {
    return this.clusters.find((c) => c.cluster_id === clusterId);
  }

  handle(req: ApiRequest, operation: string): unknown {
    switch (operation) {
      case 'list':
        return { clusters: this.clusters };
      case 'get': {
        const id = stringParam(requestParams(req), 'cluster_id', true);
        const cluster = this.find(id);
        if (!cluster) throw DatabricksError.invalidParameter(`Cluster ${id} does not exist`);
        return cluster;
      }
      case 'spark-versions':
        return { versions: SPARK_VERSIONS };
      case 'list-node-types':
        return { node_types: NODE_TYPES };
      default:
        throw DatabricksError.endpointNotFound(req.method, req.path);
    }
  }
}
