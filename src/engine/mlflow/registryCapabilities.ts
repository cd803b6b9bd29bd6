import { ClientErrorCodes, MlflowApiError } from './mlflowRestClient';

/** True when the server lacks the endpoint that was called (an older MLflow, or not MLflow): hide the feature. */
export function isEndpointMissing(err: unknown): boolean {
  return err instanceof MlflowApiError && err.errorCode === ClientErrorCodes.endpointNotFound;
}

/** Unity Catalog model names have three parts: `catalog.schema.model`. */
export function isUnityCatalogModelName(name: string): boolean {
  const parts = name.split('.');
  return parts.length === 3 && parts.every((p) => p.length > 0);
}

export interface RegistryCapabilities {
  /** The workspace registry's stages (None/Staging/Production/Archived). Unity Catalog has none. */
  stages: boolean;
  /** Aliases (`@champion`), in MLflow >= 2.3 and Unity Catalog. */
  aliases: boolean;
  unityCatalog: boolean;
}

/**
 * What the registry can do with a model: Unity Catalog (a `databricks-uc` registry, or a
 * three-part name) has aliases only; the workspace / open-source registry has both.
 */
export function registryCapabilities(opts: { registryUri?: string; modelName?: string }): RegistryCapabilities {
  const uc =
    (opts.registryUri !== undefined && /^databricks-uc(:|$)/.test(opts.registryUri)) ||
    (opts.modelName !== undefined && isUnityCatalogModelName(opts.modelName));
  return { stages: !uc, aliases: true, unityCatalog: uc };
}

/** What a registry supports, in a few words for the Model Registry view's connection row. */
export function registryCapabilityText(caps: RegistryCapabilities, databricksWorkspace: boolean): string {
  if (caps.unityCatalog) return 'Unity Catalog: aliases, no stages';
  if (databricksWorkspace) return 'aliases, stages, transition requests';
  return 'aliases; stages (deprecated)';
}
