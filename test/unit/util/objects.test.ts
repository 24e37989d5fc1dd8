/** nestedDeeperThan: the depth of objects and lists, counted without recursion, so at any depth. */
import { expect } from 'chai';
import { nestedDeeperThan } from '../../../src/util/objects.js';

/** `depth` objects nested inside each other (a list every other level), built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

describe('nestedDeeperThan', function () {
  const cases: Array<{ name: string; given: unknown; max: number; want: boolean }> = [
    { name: 'a scalar is not nested', given: 'x', max: 0, want: false },
    { name: 'null is not nested', given: null, max: 0, want: false },
    { name: 'an empty object is one level', given: {}, max: 1, want: false },
    { name: 'an empty object exceeds 0', given: {}, max: 0, want: true },
    { name: 'exactly the limit', given: nested(3), max: 3, want: false },
    { name: 'one past the limit', given: nested(4), max: 3, want: true },
    { name: 'a deep branch beside shallow ones', given: { a: 1, b: [1, 2], c: nested(10) }, max: 10, want: true },
    { name: 'wide but shallow', given: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, [i]])), max: 2, want: false },
  ];
  for (const { name, given, max, want } of cases) {
    it(`${name}: ${want}`, function () {
      expect(nestedDeeperThan(given, max)).to.equal(want);
    });
  }

  it('measures 100 000 levels, where a recursive walk (or structuredClone) overflows the stack', function () {
    const deep = nested(100_000);
    expect(() => structuredClone(deep)).to.throw(RangeError);
    expect(nestedDeeperThan(deep, 512)).to.equal(true);
    expect(nestedDeeperThan(deep, 100_000)).to.equal(false);
  });
});
