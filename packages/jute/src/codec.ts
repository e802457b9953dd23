import type { JuteReader } from './reader.js';
import type { JuteWriter } from './writer.js';

/** Encodes and decodes one jute type. */
export interface Codec<T> {
  write(w: JuteWriter, v: T): void;
  read(r: JuteReader): T;
}

export const int: Codec<number> = { write: (w, v) => void w.int(v), read: (r) => r.int() };
export const long: Codec<bigint> = { write: (w, v) => void w.long(v), read: (r) => r.long() };
export const bool: Codec<boolean> = { write: (w, v) => void w.bool(v), read: (r) => r.bool() };
export const buffer: Codec<Buffer | null> = { write: (w, v) => void w.buffer(v), read: (r) => r.buffer() };
export const ustring: Codec<string> = { write: (w, v) => void w.ustring(v), read: (r) => r.ustring() };
/** A ustring whose null (length -1) means something apart from '' (reconfig's unset member lists). */
export const nullableUstring: Codec<string | null> = { write: (w, v) => void w.ustring(v), read: (r) => r.ustringOrNull() };

/** A jute vector<T>; a null vector on the wire reads as []. */
export function vector<T>(of: Codec<T>): Codec<T[]> {
  return {
    write(w, v) {
      w.int(v.length);
      for (const e of v) of.write(w, e);
    },
    read(r) {
      const n = r.vectorLength();
      const out: T[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = of.read(r);
      return out;
    },
  };
}

type Fields = Record<string, Codec<any>>;
export type RecordOf<F extends Fields> = { [K in keyof F]: F[K] extends Codec<infer T> ? T : never };

/**
 * A jute record: its fields in wire order (the order of the object's keys, which
 * must match the class in zookeeper.jute).
 */
export function record<F extends Fields>(fields: F): Codec<RecordOf<F>> {
  const entries = Object.entries(fields);
  return {
    write(w, v) {
      for (const [k, c] of entries) c.write(w, (v as any)[k]);
    },
    read(r) {
      const out: any = {};
      for (const [k, c] of entries) out[k] = c.read(r);
      return out;
    },
  };
}

/** The TypeScript type a codec produces. */
export type Infer<C> = C extends Codec<infer T> ? T : never;
