// Bytes written out by hand in tests.

/** The bytes of a hex string; white space is ignored, so vectors can be split at record boundaries. */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
