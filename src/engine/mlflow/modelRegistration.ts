import { MlflowApiError } from './mlflowErrors';
import type { MlflowRestClient } from './mlflowRestClient';
import type { MlflowModelVersion, MlflowTag } from './mlflowTypes';

/** What a new version is made from: a run's model folder, an MLflow 3 logged model, or another version's source. */
export interface RegistrationSource {
  source: string;
  runId?: string;
  /** The MLflow 3 logged model (needed when `source` is `models:/<model id>`). */
  modelId?: string;
}

/**
 * Registers `from` as a new version of the registered model `name`, creating the registered model
 * first when it does not exist yet (with `modelDescription`). One way for the CLI and the extension.
 */
export async function registerModelVersion(
  client: Pick<MlflowRestClient, 'createRegisteredModel' | 'createModelVersion'>,
  name: string,
  from: RegistrationSource,
  o: { description?: string; tags?: MlflowTag[]; modelDescription?: string } = {},
): Promise<{ version: MlflowModelVersion; createdModel: boolean }> {
  let createdModel = true;
  try {
    await client.createRegisteredModel(name, o.modelDescription);
  } catch (err) {
    if (!(err instanceof MlflowApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
    createdModel = false;
  }
  const version = await client.createModelVersion(name, from.source, from.runId, { modelId: from.modelId, description: o.description, tags: o.tags });
  return { version, createdModel };
}
