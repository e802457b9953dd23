import { describe, expect, it } from 'vitest';
import { JavaHashOrderSet, javaStringHash } from './java-hash-order.js';

describe('javaStringHash', () => {
  it('matches java.lang.String.hashCode', () => {
    // Values computed by the JVM: "".hashCode()==0, "a"==97, "hello"==99162322, "zookeeper"==-1405138024 ... checked below
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('a')).toBe(97);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648);
  });
});

describe('JavaHashOrderSet', () => {
  it('orders by bucket, then insertion', () => {
    const s = new JavaHashOrderSet(8);
    for (const n of ['c', 'b', 'a', 'i']) s.add(n); // 'a'=97 -> bucket 1, 'i'=105 -> bucket 1 (cap 8)
    expect(s.ordered()).toEqual(['a', 'i', 'b', 'c']);
  });
  it('grows the table past 0.75 load and never shrinks', () => {
    const s = new JavaHashOrderSet(8);
    for (let i = 0; i < 7; i++) s.add(String.fromCharCode(97 + i * 8)); // all land in bucket 1 at cap 8
    // 7 > 6 triggers a resize to 16: bucket = hash & 15 splits them
    const order = s.ordered();
    expect(order).toHaveLength(7);
    for (let i = 0; i < 7; i++) s.delete(String.fromCharCode(97 + i * 8));
    s.add('a');
    s.add('q'); // 113 & 15 = 1 -> same bucket as 'a' at cap 16; at cap 8 too
    expect(s.ordered()).toEqual(['a', 'q']);
  });
});
