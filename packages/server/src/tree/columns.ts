/** A typed-array column of the tree's stores. */
export type Column = BigInt64Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/** A column of `rows` rows holding `column`'s rows first, the rest zero. */
export function grown<C extends Column>(column: C, rows: number): C {
  const bigger = new (column.constructor as new (length: number) => C)(rows);
  bigger.set(column as never);
  return bigger;
}
