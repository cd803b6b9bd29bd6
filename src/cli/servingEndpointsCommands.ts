import * as fs from 'node:fs';
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
import type { CliCommand, CliIo } from './cliCommand';
import { CliUsageError, connectWorkspace, formatTable, isoTime, oneFlag, outputFormat, runListCommand } from './experimentsCommand';
import { isServingError, parseArgs, required } from './modelsRegistryCommands';

// `endpoints list|query`: Databricks Model Serving endpoints. Exit codes: 0 ok, 1 refused or the
// model answered an error, 2 usage.

function workspaceClient(flags: Map<string, string[]>): MlflowRestClient {
  return connectWorkspace(flags, 'serving endpoints');
}

export const endpointsListCommand: CliCommand = {
  name: 'endpoints list',
  summary: 'List the Model Serving endpoints of a Databricks workspace with their state and served models.',
  usage: 'endpoints list [--tracking-uri databricks[://PROFILE]] [--format text|json]',
  async run(args, io) {
    return runListCommand(endpointsListCommand, io, async () => {
      const { flags } = parseArgs(args, { 'tracking-uri': 'string', format: 'string' });
      const format = outputFormat(flags);
      const endpoints = await listServingEndpoints(workspaceClient(flags));
      if (format === 'json') return io.out(JSON.stringify(endpoints, null, 2));
      if (endpoints.length === 0) return io.out('No serving endpoints in this workspace.');
      io.out(
        formatTable(
          ['NAME', 'STATE', 'SERVES', 'CREATOR', 'UPDATED'],
          endpoints.map((e) => [e.name, endpointStateText(e), servedEntitiesOf(e).map(describeServedEntity).join(', '), e.creator ?? '', isoTime(e.last_updated_timestamp)]),
        ),
      );
    });
  },
};

/** The request body: a file, stdin, or the saved input example of the endpoint's (first) served model. */
async function requestBody(client: MlflowRestClient, name: string, flags: Map<string, string[]>, io: CliIo): Promise<InvocationBody> {
  const contentType = oneFlag(flags, 'content-type');
  if (contentType !== undefined && contentType !== 'json' && contentType !== 'csv') throw new CliUsageError(`--content-type must be json or csv, not '${contentType}'`);
  const inputFile = oneFlag(flags, 'input');
  if (inputFile !== undefined) {
    const text = inputFile === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(inputFile, 'utf8');
    return buildInvocationBody(text, contentType as 'json' | 'csv' | undefined);
  }
  const entity = servedEntitiesOf(await getServingEndpoint(client, name)).find((e) => e.entity_name && e.entity_version);
  if (!entity) throw new ModelUriError(`Endpoint '${name}' serves no registered model version whose input example could be used: give a request with --input FILE (or - for stdin).`);
  const modelUri = `models:/${entity.entity_name}/${entity.entity_version}`;
  const example = await loadInputExample(client, modelUri);
  if (!example) throw new ModelUriError(`${modelUri} (served by '${name}') was logged without an input example: give a request with --input FILE (or - for stdin).`);
  io.err(`Using the input example of ${modelUri} (${example.file}).`);
  return buildInvocationBody(example.body);
}

export const endpointsQueryCommand: CliCommand = {
  name: 'endpoints query',
  summary: "Send one request to a serving endpoint (a JSON or CSV file, stdin, or its model's saved input example); print the answer and latency.",
  usage: 'endpoints query --name ENDPOINT [--input FILE|-] [--content-type json|csv] [--tracking-uri databricks[://PROFILE]]',
  async run(args, io) {
    return runListCommand(
      endpointsQueryCommand,
      io,
      async () => {
        const { flags } = parseArgs(args, { name: 'string', input: 'string', 'content-type': 'string', 'tracking-uri': 'string' });
        const name = required(flags, 'name');
        const client = workspaceClient(flags);
        const body = await requestBody(client, name, flags, io);
        const result = await queryServingEndpoint(client, name, body);
        const answer = typeof result.body === 'string' ? result.body : JSON.stringify(result.body, null, 2);
        if (result.status !== 200) throw new ModelServerError(`Endpoint '${name}' answered HTTP ${result.status}: ${answer}`, []);
        io.out(answer);
        io.err(`HTTP ${result.status} in ${result.latencyMs.toFixed(1)} ms`);
      },
      isServingError,
    );
  },
};

export const servingEndpointsCommands: CliCommand[] = [endpointsListCommand, endpointsQueryCommand];
