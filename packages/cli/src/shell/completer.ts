// Tab completion for the shell: the first word completes to a command name, a word starting with
// '/' completes to the children of its parent znode (listed from the server when Tab is pressed).
// Written against a listing function, not a client, so it can be tested without a server.

/** Lists a znode's child names; rejects (e.g. NoNode) when there is nothing to offer. */
export type ListChildren = (path: string) => Promise<string[]>;

/** node:readline's async completer: [candidates, the text they replace]. */
export type Completer = (line: string, callback: (err: Error | null, result: [string[], string]) => void) => void;

/** Splits a partial path into the znode to list and the prefix of the child being typed. */
export function splitPartialPath(partial: string): { parent: string; prefix: string } {
  const slash = partial.lastIndexOf('/');
  return { parent: slash <= 0 ? '/' : partial.slice(0, slash), prefix: partial.slice(slash + 1) };
}

/** Candidates for one path word: the parent's children starting with the typed prefix, as full paths. */
export async function completePath(partial: string, listChildren: ListChildren): Promise<string[]> {
  const { parent, prefix } = splitPartialPath(partial);
  let children: string[];
  try {
    children = await listChildren(parent);
  } catch {
    return []; // a parent that does not exist (or cannot be read) has nothing to offer
  }
  const base = parent === '/' ? '/' : `${parent}/`;
  return children
    .filter((c) => c.startsWith(prefix))
    .sort()
    .map((c) => base + c);
}

export function createCompleter(commandNames: readonly string[], listChildren: ListChildren): Completer {
  const names = [...commandNames].sort();
  return (line, callback) => {
    const words = line.trimStart().split(/\s+/);
    const last = words[words.length - 1] ?? '';
    if (words.length === 1) {
      callback(null, [names.filter((n) => n.startsWith(last)), last]);
    } else if (last.startsWith('/')) {
      completePath(last, listChildren).then(
        (hits) => callback(null, [hits, last]),
        () => callback(null, [[], last]),
      );
    } else {
      callback(null, [[], last]);
    }
  };
}
