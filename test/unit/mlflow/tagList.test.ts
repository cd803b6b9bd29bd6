import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTagList } from '../../../src/engine/mlflow/tagList';

describe('tags typed in one line', () => {
  it('reads key=value pairs separated by commas, values may hold =', () => {
    assert.deepEqual(parseTagList(' team = ml , query=a=b,,'), {
      tags: [
        { key: 'team', value: 'ml' },
        { key: 'query', value: 'a=b' },
      ],
    });
    assert.deepEqual(parseTagList(''), { tags: [] });
  });
  it('names the entry that is not key=value', () => {
    assert.equal(parseTagList('team=ml, oops').error, "'oops' is not key=value.");
    assert.equal(parseTagList('=x').error, "'=x' is not key=value.");
  });
});
