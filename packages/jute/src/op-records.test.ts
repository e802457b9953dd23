import { describe, expect, expectTypeOf, it } from 'vitest';
import { OpCode, type OpCodeName } from './constants.js';
import { OP_RECORDS, opRecords, type RequestOf, type RequestOpName, type ResponseOf } from './op-records.js';
import { CheckVersionRequest, ErrorResponse, GetDataResponse, SetDataResponse, type PathWatchRequest, type Stat } from './records.js';

// ZooDefs.OpCode of Apache ZooKeeper 3.8.0 as `javap -constants -cp zookeeper.jar
// 'org.apache.zookeeper.ZooDefs$OpCode'` prints it from Debian's zookeeper package.
const JAVAP_ZOODEFS_OPCODE = `
  public static final int notification = 0;
  public static final int create = 1;
  public static final int delete = 2;
  public static final int exists = 3;
  public static final int getData = 4;
  public static final int setData = 5;
  public static final int getACL = 6;
  public static final int setACL = 7;
  public static final int getChildren = 8;
  public static final int sync = 9;
  public static final int ping = 11;
  public static final int getChildren2 = 12;
  public static final int check = 13;
  public static final int multi = 14;
  public static final int create2 = 15;
  public static final int reconfig = 16;
  public static final int checkWatches = 17;
  public static final int removeWatches = 18;
  public static final int createContainer = 19;
  public static final int deleteContainer = 20;
  public static final int createTTL = 21;
  public static final int multiRead = 22;
  public static final int auth = 100;
  public static final int setWatches = 101;
  public static final int sasl = 102;
  public static final int getEphemerals = 103;
  public static final int getAllChildrenNumber = 104;
  public static final int setWatches2 = 105;
  public static final int addWatch = 106;
  public static final int whoAmI = 107;
  public static final int createSession = -10;
  public static final int closeSession = -11;
  public static final int error = -1;`;
const zooDefsOpCode = Object.fromEntries(
  [...JAVAP_ZOODEFS_OPCODE.matchAll(/int (\w+) = (-?\d+);/g)].map((m) => [m[1]!, Number(m[2])]),
);

const names = Object.keys(OpCode) as OpCodeName[];

describe('the opcode -> record table', () => {
  it('OpCode holds exactly the numbers of ZooDefs.OpCode', () => {
    expect(Object.keys(zooDefsOpCode)).toHaveLength(33);
    expect(OpCode).toEqual(zooDefsOpCode);
  });

  it('has one row for every OpCode, found by name and by number', () => {
    expect(Object.keys(OP_RECORDS).sort()).toEqual([...names].sort());
    for (const name of names) expect(opRecords(OpCode[name]), name).toBe(OP_RECORDS[name]);
  });

  it('has no row for numbers ZooDefs does not define', () => {
    const defined = new Set<number>(Object.values(OpCode));
    for (let type = -20; type <= 120; type++) if (!defined.has(type)) expect(opRecords(type), String(type)).toBeUndefined();
  });

  it('every request row can be sent: a codec or an explicit null both ways', () => {
    const requests = names.filter((n) => OP_RECORDS[n].use === 'request');
    expect(requests.length).toBe(names.length - 4); // all but notification, error, createSession, deleteContainer
    for (const n of requests) {
      const row = OP_RECORDS[n];
      expect(row.request === null || typeof row.request.write === 'function', n).toBe(true);
      expect(row.response === null || typeof row.response.read === 'function', n).toBe(true);
    }
  });

  it('multi carries the ops MultiOperationRecord accepts, and results of the types MultiResponse writes', () => {
    const inMulti = names.filter((n) => 'inMulti' in OP_RECORDS[n]).map((n) => `${n}:${(OP_RECORDS[n] as { inMulti: string }).inMulti}`);
    expect(inMulti.sort()).toEqual(
      ['check:write', 'create2:write', 'create:write', 'createContainer:write', 'createTTL:write', 'delete:write', 'getChildren:read', 'getData:read', 'setData:write'].sort(),
    );
    const resultTypes = names.filter((n) => 'multiResult' in OP_RECORDS[n]);
    expect(resultTypes.sort()).toEqual(['check', 'create', 'create2', 'delete', 'error', 'getChildren', 'getData', 'setData'].sort());
    expect(OP_RECORDS.error.multiResult).toBe(ErrorResponse);
  });

  it("keeps ZooKeeper's oddities: check answered with SetDataResponse standalone and nothing in a multi; addWatch with ErrorResponse", () => {
    expect(OP_RECORDS.check.request).toBe(CheckVersionRequest);
    expect(OP_RECORDS.check.response).toBe(SetDataResponse);
    expect(OP_RECORDS.check.multiResult).toBeNull();
    expect(OP_RECORDS.addWatch.response).toBe(ErrorResponse);
    expect(OP_RECORDS.reconfig.response).toBe(GetDataResponse);
  });

  it('gives callers the record types', () => {
    expectTypeOf<RequestOf<'getData'>>().toEqualTypeOf<PathWatchRequest>();
    expectTypeOf<ResponseOf<'setData'>>().toEqualTypeOf<{ stat: Stat }>();
    expectTypeOf<ResponseOf<'delete'>>().toEqualTypeOf<undefined>();
    expectTypeOf<RequestOf<'ping'>>().toEqualTypeOf<undefined>();
    expectTypeOf<'createSession'>().not.toMatchTypeOf<RequestOpName>();
    expectTypeOf<'multiRead'>().toMatchTypeOf<RequestOpName>();
  });
});
