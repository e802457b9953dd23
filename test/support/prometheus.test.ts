import { describe, expect, it } from 'vitest';
import { parseExposition } from './prometheus.js';

const good = [
  '# HELP a_total things',
  '# TYPE a_total counter',
  'a_total 3',
  '# HELP h_ms time',
  '# TYPE h_ms histogram',
  'h_ms_bucket{op="x",le="1"} 1',
  'h_ms_bucket{op="x",le="+Inf"} 2',
  'h_ms_sum{op="x"} 4.5',
  'h_ms_count{op="x"} 2',
  '# HELP g labelled',
  '# TYPE g gauge',
  'g{sid="2"} 0',
  'g{sid="3"} 1e-3',
  '',
].join('\n');

describe('parseExposition', () => {
  it('reads good text', () => {
    const e = parseExposition(good);
    expect(e.value('a_total')).toBe(3);
    expect(e.value('h_ms_count', { op: 'x' })).toBe(2);
    expect(e.series('g').map((s) => s.labels['sid'])).toEqual(['2', '3']);
    expect(e.value('g', { sid: '3' })).toBe(0.001);
  });

  it.each([
    ['a sample without TYPE', good.replace('# TYPE a_total counter\n', '')],
    ['a sample without HELP', good.replace('# HELP g labelled\n', '')],
    ['a counter not named _total', good.replace(/a_total/g, 'a_count_c')],
    ['an unquoted label', good.replace('sid="2"', 'sid=2')],
    ['a value that is not a number', good.replace('a_total 3', 'a_total three')],
    ['buckets not cumulative', good.replace('le="+Inf"} 2', 'le="+Inf"} 0').replace('h_ms_count{op="x"} 2', 'h_ms_count{op="x"} 0')],
    ['a +Inf bucket that is not the count', good.replace('h_ms_count{op="x"} 2', 'h_ms_count{op="x"} 5')],
    ['a family typed twice', good + '# TYPE g gauge\n'],
    ['no final newline', good.slice(0, -1)],
  ])('rejects %s', (_what, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
