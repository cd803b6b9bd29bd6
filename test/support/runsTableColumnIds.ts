/**
 * The columns every runs table starts with, in this order, before the metrics, params and tags its
 * runs brought: what the user sees first whatever the experiment (stated here, not read from the
 * engine, so that the tests notice a change of them).
 */
export const FIRST_COLUMN_IDS: readonly string[] = [
  'attributes.run_name',
  'attributes.status',
  'attributes.start_time',
  'attributes.duration',
  'attributes.user_id',
  'tags.mlflow.source.name',
  'tags.mlflow.source.git.commit',
];
