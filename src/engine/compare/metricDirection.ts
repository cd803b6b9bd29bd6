// Whether a larger value of a metric is better, guessed from its name. The extension remembers the
// user's choice per metric when they flip it; this is only the default.

/** Name parts that mean "an error": smaller is better. Checked before HIGHER (e.g. "accuracy_loss"). */
const LOWER = [
  'loss',
  'error',
  'err',
  'rmse',
  'mae',
  'mse',
  'mape',
  'smape',
  'rmsle',
  'msle',
  'logloss',
  'perplexity',
  'ppl',
  'cost',
  'wer',
  'cer',
  'fpr',
  'fnr',
  'latency',
  'time',
  'duration',
  'regret',
  'nll',
  'bpd',
  'distance',
];
/** Name parts that mean "a score": larger is better. */
const HIGHER = [
  'acc',
  'accuracy',
  'auc',
  'roc',
  'f1',
  'fbeta',
  'precision',
  'recall',
  'r2',
  'score',
  'map',
  'ndcg',
  'bleu',
  'rouge',
  'iou',
  'dice',
  'tpr',
  'tnr',
  'specificity',
  'sensitivity',
  'reward',
  'return',
  'throughput',
  'kappa',
  'mcc',
  'top1',
  'top5',
  'hit',
  'hitrate',
  'auroc',
  'auprc',
  'ap',
];

/**
 * Guesses the direction from the metric's name: its parts (split on non-letters/digits and camelCase)
 * are matched against known error and score names. Unknown names default to lower-is-better, as
 * most logged training metrics are losses.
 */
export function guessHigherIsBetter(metricKey: string): boolean {
  const parts = metricKey
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  // The last part is what the metric is; "val_accuracy", "train_loss", "accuracy_loss" (a loss).
  for (const part of [...parts].reverse()) {
    if (LOWER.includes(part)) return false;
    if (HIGHER.includes(part)) return true;
    // "val_acc1", "f1_macro"... prefixes like "acc" in "accuracy5".
    if (LOWER.some((w) => w.length >= 3 && part.startsWith(w))) return false;
    if (HIGHER.some((w) => w.length >= 3 && part.startsWith(w))) return true;
  }
  return false;
}
