import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstSentence } from '../../../src/engine/mlflow/mlflowRestClient';

describe('firstSentence', () => {
  it('drops SQL noise after the first sentence', () => {
    assert.equal(
      firstSentence('Experiment(name=foo) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: experiments.name\n[SQL: INSERT ...]'),
      'Experiment(name=foo) already exists.',
    );
  });
  it('keeps a message without a sentence end whole', () => {
    assert.equal(firstSentence('Run with id=nope not found'), 'Run with id=nope not found');
  });
});
