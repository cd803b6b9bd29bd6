import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  arr,
  int,
  num,
  obj,
  oneOf,
  optional,
  refine,
  shapeOf,
  str,
  messageValidator,
  valueValidator,
  type Infer,
  type MessageOf,
} from '../../../webview/shared/contractChecks';

interface Point {
  x: number;
  label?: string;
}

describe('contract checks: types derived from the checks', () => {
  it('an object check accepts what its derived type says, and names the path of a mistake', () => {
    const point = obj({ x: num, label: optional(str(10)), kind: oneOf('a', 'b') });
    const ok: Infer<typeof point> = { x: 1, kind: 'a' };
    assert.equal(point(ok, 'p'), undefined);
    assert.equal(point({ x: 1, kind: 'c' }, 'p'), 'p.kind must be one of "a", "b"');
    assert.equal(point({ x: '1', kind: 'a' }, 'p'), 'p.x must be a number, not string');
    assert.equal(point({ x: 1, kind: 'a', label: 'much too long' }, 'p'), 'p.label is longer than 10 characters');
    // @ts-expect-error kind is required by the check, so it is by the type
    const missing: Infer<typeof point> = { x: 1 };
    assert.match(point(missing, 'p') ?? '', /p\.kind/);
  });

  it('shapeOf compiles only when the check names exactly the fields of the shape', () => {
    const point = shapeOf<Point>()(obj({ x: num, label: optional(str()) }));
    assert.equal(point({ x: 2 }, 'p'), undefined);
    // @ts-expect-error the check lacks the shape's optional field `label`
    shapeOf<Point>()(obj({ x: num }));
    // @ts-expect-error the check has a field the shape lacks
    shapeOf<Point>()(obj({ x: num, label: optional(str()), y: num }));
    // @ts-expect-error the check does not accept the shape's x (a number)
    shapeOf<Point>()(obj({ x: str(), label: optional(str()) }));
  });

  it('messages: one check per type, the type picks the check', () => {
    const checks = { ready: obj({}), page: obj({ index: int(0, 10) }) };
    const validate = messageValidator(checks, 'side');
    const page: MessageOf<typeof checks> = { type: 'page', index: 3 };
    assert.deepEqual(validate(page), { ok: true, value: page });
    assert.deepEqual(validate({ type: 'page', index: 11 }), { ok: false, error: 'side.page.index must be an integer in [0, 10]' });
    assert.deepEqual(validate({ type: 'nope' }), { ok: false, error: 'side message has unknown type "nope"; known: ready, page' });
    // @ts-expect-error a page message has an index
    const bad: MessageOf<typeof checks> = { type: 'page' };
    assert.equal(validate(bad).ok, false);
  });

  it('refine and valueValidator add a rule across fields after the field checks', () => {
    const range = refine(obj({ start: num, end: num }), (r, p) => (r.start > r.end ? `${p}.start is after ${p}.end` : undefined));
    assert.equal(range({ start: 1, end: 2 }, 'r'), undefined);
    assert.equal(range({ start: 3, end: 2 }, 'r'), 'r.start is after r.end');
    assert.equal(range({ start: 3 }, 'r'), 'r.end must be a number, not undefined');
    const ids = arr(str(), 5);
    assert.deepEqual(valueValidator(ids, 'ids', (v) => (v.length === 0 ? 'ids is empty' : undefined))([]), { ok: false, error: 'ids is empty' });
    assert.deepEqual(valueValidator(ids, 'ids')(['a']), { ok: true, value: ['a'] });
  });
});
