import { JuteDecodeError, opRecords, type JuteReader } from '@zab/jute';

/**
 * The decode stage: the record after a request's RequestHeader, as jute's opcode table
 * (OP_RECORDS) names it for each opcode. A request whose opcode carries no record decodes to
 * `{}`, so "no record" is never mistaken for "did not decode".
 */

/** Whether a client may send this opcode as a request (others are answered Unimplemented). */
export function isKnownRequestType(type: number): boolean {
  return opRecords(type)?.use === 'request';
}

/** The decoded request record, or undefined when the body does not decode. */
export function decodeRequest(type: number, r: JuteReader): any {
  const rec = opRecords(type);
  if (rec?.use !== 'request') return undefined;
  if (!rec.request) return {};
  try {
    return rec.request.read(r);
  } catch (e) {
    if (e instanceof JuteDecodeError) return undefined;
    throw e;
  }
}
