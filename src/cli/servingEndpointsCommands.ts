import {
  describeServedEntity,
  endpointStateText,
  getServingEndpoint,
  listServingEndpoints,
  queryServingEndpoint,
  servedEntitiesOf,
} from '../engine/databricks/servingEndpoints';
import type { MlflowRestClient } from '../engine/mlflow/mlflowRestClient';
import { buildInvocationBody, loadInputExample, type InvocationBody } from '../engine/serving/invocationRequest';
import { ModelServerError } from '../engine/serving/localModelServer';
import { ModelUriError } from '../engine/serving/modelArtifacts';
import { defineCommand, type CliCommand, type CliIo } from './cliCommand';
import { INPUT_OPTIONS, isServingError, readInput } from './modelsRegistryCommands';
import { isoTime, printList } from './textTable';
import { connectWorkspace, DATABRICKS_URI_OPTION, FORMAT_OPTION } from './trackingOptions';

// `endpoints list|query`: Databricks Model Serving endpoints. Exit codes: 0 ok, 1 refused or the
// model answered an error, 2 usage.

const FEATURE = 'serving endpoints';

export const endpointsListCommand = defineCommand({
  name: 'endpoints list',
  summary: 'List the Model Serving endpoints of a Databricks workspace with their state and served models.',
  options: { 'tracking-uri': DATABRICKS_URI_OPTION, format: FORMAT_OPTION },
  async run({ values, io }) {
    const endpoints = await listServingEndpoints(await connectWorkspace(values['tracking-uri'], FEATURE));
    printList(io, values.format, endpoints, {
      header: ['NAME', 'STATE', 'SERVES', 'CREATOR', 'UPDATED'],
      row: (e) => [e.name, endpointStateText(e), servedEntitiesOf(e).map(describeServedEntity).join(', '), e.creator ?? '', isoTime(e.last_updated_timestamp)],
      none: 'No serving endpoints in this workspace.',
    });
  },
});

/** The request body: a file, stdin, or the saved input example of the endpoint's (first) served model. */
async function requestBody(
  client: MlflowRestClient,
  name: string,
  input: string | undefined,
  contentType: string | undefined,
  io: CliIo,
): Promise<InvocationBody> {
  if (input !== undefined) return buildInvocationBody(readInput(input), contentType as 'json' | 'csv' | undefined);
  const entity = servedEntitiesOf(await getServingEndpoint(client, name)).find((e) => e.entity_name && e.entity_version);
  if (!entity)
    throw new ModelUriError(
      `Endpoint '${name}' serves no registered model version whose input example could be used: give a request with --input FILE (or - for stdin).`,
    );
  const modelUri = `models:/${entity.entity_name}/${entity.entity_version}`;
  const example = await loadInputExample(client, modelUri);
  if (!example)
    throw new ModelUriError(`${modelUri} (served by '${name}') was logged without an input example: give a request with --input FILE (or - for stdin).`);
  io.err(`Using the input example of ${modelUri} (${example.file}).`);
  return buildInvocationBody(example.body);
}

export const endpointsQueryCommand = defineCommand({
  name: 'endpoints query',
  summary: "Send one request to a serving endpoint (a JSON or CSV file, stdin, or its model's saved input example); print the answer and latency.",
  options: {
    name: { type: 'string', value: 'ENDPOINT', required: true, description: 'the serving endpoint' },
    ...INPUT_OPTIONS,
    'tracking-uri': DATABRICKS_URI_OPTION,
  },
  expected: isServingError,
  async run({ values, io }) {
    const client = await connectWorkspace(values['tracking-uri'], FEATURE);
    const body = await requestBody(client, values.name, values.input, values['content-type'], io);
    const result = await queryServingEndpoint(client, values.name, body);
    const answer = typeof result.body === 'string' ? result.body : JSON.stringify(result.body, null, 2);
    if (result.status !== 200) throw new ModelServerError(`Endpoint '${values.name}' answered HTTP ${result.status}: ${answer}`, []);
    io.out(answer);
    io.err(`HTTP ${result.status} in ${result.latencyMs.toFixed(1)} ms`);
  },
});

export const servingEndpointsCommands: CliCommand[] = [endpointsListCommand, endpointsQueryCommand];
