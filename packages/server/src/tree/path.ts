// Znode path rules, as ZooKeeper's PathUtils.validatePath states them.

/** Why `path` is not a valid znode path, or null when it is. */
export function pathProblem(path: string): string | null {
  if (path.length === 0) return 'Path length must be > 0';
  if (path[0] !== '/') return 'Path must start with / character';
  if (path.length === 1) return null;
  if (path[path.length - 1] === '/') return 'Path must not end with / character';
  let last = '/';
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return `null character not allowed @${i}`;
    if (c === 0x2f /* / */ && last === '/') return `empty node name specified @${i}`;
    if (c === 0x2e /* . */ && last === '.') {
      const prevSlash = path.charCodeAt(i - 2) === 0x2f;
      const endOfName = i + 1 === path.length || path.charCodeAt(i + 1) === 0x2f;
      if (prevSlash && endOfName) return `relative paths not allowed @${i}`;
    } else if (c === 0x2e && last === '/') {
      const endOfName = i + 1 === path.length || path.charCodeAt(i + 1) === 0x2f;
      if (endOfName) return `relative paths not allowed @${i}`;
    } else if (
      (c > 0x00 && c <= 0x1f) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return `invalid character @${i}`;
    }
    last = path[i]!;
  }
  return null;
}

/** The parent of an absolute path; the parent of a top-level node is '/'. */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The last name of an absolute path ('' for '/'). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a parent path and a child name. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
