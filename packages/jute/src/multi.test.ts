// multi / multiRead bodies against frames captured between the Java client 3.8.0 and
// Apache ZooKeeper 3.8.0: a run of (MultiHeader, record) pairs closed by
// MultiHeader{type: -1, done: true, err: -1} in both directions.
import { describe, expect, it } from 'vitest';
import { OpCode } from './constants.js';
import { readMultiRequest, readMultiResponse, writeMultiRequest, writeMultiResponse, type MultiOp, type MultiResult } from './op-records.js';
import { JuteDecodeError, JuteReader } from './reader.js';
import { JuteWriter } from './writer.js';
import { hex } from '../../../test/support/bytes.js';

const WORLD_ANYONE = '00000005 776f726c64 00000006 616e796f6e65';
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const DONE = 'ffffffff 01 ffffffff';

function encode(f: (w: JuteWriter) => void): string {
  const w = new JuteWriter(1);
  f(w);
  return w.toBuffer().toString('hex');
}

describe('multi request', () => {
  // zk.multi([create /v/m null, check /v 1, setData /v/m [1,2] -1, delete /v/m -1])
  const captured =
    `00000001 00 ffffffff  00000004 2f762f6d ffffffff 00000001 0000001f ${WORLD_ANYONE} 00000000` +
    ' 0000000d 00 ffffffff  00000002 2f76 00000001' +
    ' 00000005 00 ffffffff  00000004 2f762f6d 00000002 0102 ffffffff' +
    ' 00000002 00 ffffffff  00000004 2f762f6d ffffffff' +
    ` ${DONE}`;
  const ops: MultiOp[] = [
    { type: OpCode.create, request: { path: '/v/m', data: null, acl: OPEN, flags: 0 } },
    { type: OpCode.check, request: { path: '/v', version: 1 } },
    { type: OpCode.setData, request: { path: '/v/m', data: Buffer.from([1, 2]), version: -1 } },
    { type: OpCode.delete, request: { path: '/v/m', version: -1 } },
  ];

  it('decodes what the Java client sends', () => {
    const r = new JuteReader(hex(captured));
    expect(readMultiRequest(r)).toEqual(ops);
    expect(r.remaining).toBe(0);
  });

  it('encodes to the same bytes', () => {
    expect(encode((w) => writeMultiRequest(w, ops))).toBe(hex(captured).toString('hex'));
  });

  it('an empty multi is just the terminating header', () => {
    expect(encode((w) => writeMultiRequest(w, []))).toBe(hex(DONE).toString('hex'));
    expect(readMultiRequest(new JuteReader(hex(DONE)))).toEqual([]);
  });

  it('multiRead ops are getData / getChildren path+watch records', () => {
    const bytes = `00000004 00 ffffffff 00000002 2f76 00  00000008 00 ffffffff 00000001 2f 00  ${DONE}`;
    const reads: MultiOp[] = [
      { type: OpCode.getData, request: { path: '/v', watch: false } },
      { type: OpCode.getChildren, request: { path: '/', watch: false } },
    ];
    expect(readMultiRequest(new JuteReader(hex(bytes)))).toEqual(reads);
    expect(encode((w) => writeMultiRequest(w, reads))).toBe(hex(bytes).toString('hex'));
  });

  it('refuses op types that multi cannot carry, and a missing terminator', () => {
    expect(() => readMultiRequest(new JuteReader(hex(`00000003 00 ffffffff 00000002 2f76 00 ${DONE}`)))).toThrow(JuteDecodeError);
    expect(() => readMultiRequest(new JuteReader(hex('00000002 00 ffffffff 00000002 2f76 ffffffff')))).toThrow(JuteDecodeError);
  });
});

describe('multi response', () => {
  const setDataStat =
    '0000000000000007 0000000000000007 000001a2031d2bc6 000001a2031d2bc6 00000001 00000000 00000000 0000000000000000 00000002 00000000 0000000000000007';

  it('per-op results of a successful multi (captured)', () => {
    const captured =
      '00000001 00 00000000  00000004 2f762f6d' +
      ' 0000000d 00 00000000' +
      ` 00000005 00 00000000  ${setDataStat}` +
      ' 00000002 00 00000000' +
      ` ${DONE}`;
    const r = new JuteReader(hex(captured));
    const results = readMultiResponse(r);
    expect(r.remaining).toBe(0);
    expect(results.map((x) => [x.type, x.err])).toEqual([
      [OpCode.create, 0],
      [OpCode.check, 0],
      [OpCode.setData, 0],
      [OpCode.delete, 0],
    ]);
    expect(results[0]!.body).toEqual({ path: '/v/m' });
    expect(results[2]!.body.stat.version).toBe(1);
    expect(results[2]!.body.stat.mzxid).toBe(7n);
    expect(encode((w) => writeMultiResponse(w, results))).toBe(hex(captured).toString('hex'));
  });

  it('a failed multi answers every op with an ErrorResult: 0 before the failure, the code at it, -2 after', () => {
    // ReplyHeader.err of this reply is 0: the failure is only in the results.
    const captured =
      'ffffffff 00 00000000 00000000' + // create /d/m1: would have succeeded -> OK
      ' ffffffff 00 ffffff92 ffffff92' + // create /d: NodeExists (-110)
      ' ffffffff 00 fffffffe fffffffe' + // delete /d/x: not tried -> RuntimeInconsistency (-2)
      ` ${DONE}`;
    const results = readMultiResponse(new JuteReader(hex(captured)));
    expect(results).toEqual<MultiResult[]>([
      { type: OpCode.error, err: 0, body: { err: 0 } },
      { type: OpCode.error, err: -110, body: { err: -110 } },
      { type: OpCode.error, err: -2, body: { err: -2 } },
    ]);
    expect(encode((w) => writeMultiResponse(w, results))).toBe(hex(captured).toString('hex'));
  });

  it('create2/createContainer/createTTL results carry a Stat (type 15)', () => {
    const stat =
      '000000000000000b 000000000000000b 000001a20315a512 000001a20315a512 00000000 00000000 00000000 0000000000000000 00000000 00000000 000000000000000b';
    const bytes = `0000000f 00 00000000 00000004 2f642f63 ${stat} ${DONE}`;
    const [res] = readMultiResponse(new JuteReader(hex(bytes)));
    expect(res!.type).toBe(OpCode.create2);
    expect(res!.body.path).toBe('/d/c');
    expect(res!.body.stat.czxid).toBe(11n);
    expect(encode((w) => writeMultiResponse(w, [res!]))).toBe(hex(bytes).toString('hex'));
  });

  it('multiRead results: GetDataResult, GetChildrenResult and a per-op error (captured)', () => {
    const stat =
      '0000000000000005 0000000000000005 000001a203152fac 000001a203152fac 00000000 00000005 00000000 0000000000000000 00000001 00000003 000000000000000b';
    const captured =
      `00000004 00 00000000  00000001 78 ${stat}` +
      ' 00000008 00 00000000  00000003 00000001 63 00000002 6d31 00000001 74' +
      ' ffffffff 00 ffffff9b ffffff9b' +
      ` ${DONE}`;
    const results = readMultiResponse(new JuteReader(hex(captured)));
    expect(results.map((x) => [x.type, x.err])).toEqual([
      [OpCode.getData, 0],
      [OpCode.getChildren, 0],
      [OpCode.error, -101],
    ]);
    expect(results[0]!.body.data).toEqual(Buffer.from('x'));
    expect(results[1]!.body.children).toEqual(['c', 'm1', 't']);
    expect(encode((w) => writeMultiResponse(w, results))).toBe(hex(captured).toString('hex'));
  });

  it('an empty multi answers with the terminator only', () => {
    expect(readMultiResponse(new JuteReader(hex(DONE)))).toEqual([]);
    expect(encode((w) => writeMultiResponse(w, []))).toBe(hex(DONE).toString('hex'));
  });

  it('refuses unknown result types and truncated results', () => {
    expect(() => readMultiResponse(new JuteReader(hex(`00000063 00 00000000 ${DONE}`)))).toThrow(JuteDecodeError);
    expect(() => readMultiResponse(new JuteReader(hex('00000001 00 00000000 00000004 2f76')))).toThrow(JuteDecodeError);
  });
});
