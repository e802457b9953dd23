// A strict reader of Prometheus text exposition (format 0.0.4), for tests: it returns the
// samples and throws on anything a scraper would reject or an operator would trip over:
// a sample without # HELP and # TYPE before it, a family typed twice, a counter not named
// *_total, a malformed or unquoted label, a value that is not a number, a histogram whose
// buckets are not cumulative or whose +Inf bucket is not its count.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  /** The value of the one sample of `name` whose labels include `labels`; throws if none or several. */
  value(name: string, labels?: Record<string, string>): number;
  /** Every sample of `name`. */
  series(name: string): Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`not a number in: ${line}`);
  return Number(text);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`malformed label in: ${line}`);
    if (m[1]! in labels) throw new Error(`label ${m[1]} twice in: ${line}`);
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    rest = rest.slice(m[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.length) throw new Error(`malformed label in: ${line}`);
  }
  return labels;
}

/** The family a sample belongs to: its own name, or a histogram's name without the suffix. */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && types.get(m[1]!) === 'histogram') return m[1]!;
  return name;
}

export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const help = new Set<string>();
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (kind === 'HELP') {
        if (help.has(name)) throw new Error(`HELP twice for ${name}`);
        help.add(name);
      } else {
        if (types.has(name)) throw new Error(`TYPE twice for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`unknown type in: ${line}`);
        if (rest === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} is not named *_total`);
        if (samples.some((s) => familyOf(s.name, types) === name || s.name === name)) throw new Error(`TYPE for ${name} after its samples`);
        types.set(name, rest);
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`malformed sample: ${line}`);
    const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string];
    const family = familyOf(name, types);
    if (!types.has(family)) throw new Error(`sample before (or without) # TYPE: ${line}`);
    if (!help.has(family)) throw new Error(`sample without # HELP: ${line}`);
    samples.push({ name, labels: parseLabels(labelText ?? '', line), value: parseValue(valueText, line) });
  }
  checkHistograms(samples, types);
  const matches = (s: Sample, labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return {
    samples,
    types,
    series: (name) => samples.filter((s) => s.name === name),
    value(name, labels = {}) {
      const found = samples.filter((s) => s.name === name && matches(s, labels));
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)} in:\n${text}`);
      return found[0]!.value;
    },
  };
}

function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const key = (l: Record<string, string>) => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort());
    const bySeries = new Map<string, Sample[]>();
    for (const s of samples) {
      if (s.name !== `${family}_bucket`) continue;
      if (!('le' in s.labels)) throw new Error(`${family}_bucket without le`);
      const k = key(s.labels);
      bySeries.set(k, [...(bySeries.get(k) ?? []), s]);
    }
    for (const [k, buckets] of bySeries) {
      const les = buckets.map((b) => parseValue(b.labels['le']!, `${family} le`));
      for (let i = 1; i < buckets.length; i++) {
        if (les[i]! <= les[i - 1]!) throw new Error(`${family}${k}: le not ascending`);
        if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family}${k}: buckets not cumulative`);
      }
      if (les.at(-1) !== Infinity) throw new Error(`${family}${k}: no +Inf bucket`);
      const count = samples.find((s) => s.name === `${family}_count` && key(s.labels) === k);
      const sum = samples.find((s) => s.name === `${family}_sum` && key(s.labels) === k);
      if (!count || !sum) throw new Error(`${family}${k}: no _count or _sum`);
      if (count.value !== buckets.at(-1)!.value) throw new Error(`${family}${k}: +Inf bucket ${buckets.at(-1)!.value} is not _count ${count.value}`);
    }
  }
}
