// Every command, in the order `help` lists them.
import { getAcl, setAcl } from './acl.js';
import type { CliCommand } from './command.js';
import { create } from './create.js';
import { del, deleteall } from './delete.js';
import { fourLetterWord } from './four-letter-word.js';
import { get, stat } from './get.js';
import { getAllChildrenNumber, ls } from './ls.js';
import { delquota, listquota, setquota } from './quota.js';
import { addauth, getEphemerals, sync, whoami } from './session-info.js';
import { set } from './set.js';
import { watch } from './watch.js';

export const COMMANDS: readonly CliCommand[] = [
  ls,
  get,
  stat,
  create,
  set,
  del,
  deleteall,
  getAcl,
  setAcl,
  addauth,
  sync,
  watch,
  getEphemerals,
  getAllChildrenNumber,
  whoami,
  setquota,
  listquota,
  delquota,
  fourLetterWord,
];
