// Gives the C heap's free pages back to the system. glibc's malloc keeps what native code frees
// (LevelDB's buffers, the Buffers frames came in, the typed columns a tree outgrew) in its arenas
// and returns by itself only the top of the main heap: a member holding 1,000,000 znodes kept
// 55-70 MB of free chunks there once idle. malloc_trim(0) also releases the whole free pages
// inside every arena. Node has no binding for it, so it is called through koffi (an FFI whose
// npm package ships its binaries); where that cannot work (not Linux with glibc, koffi missing)
// there is no trim and nothing else changes.
import { createRequire } from 'node:module';

/** Releases malloc's free pages; true when some memory went back to the system. */
export type MallocTrim = () => boolean;

/** glibc's malloc_trim(0), or null where it cannot be called (the reason in `whyNot`). */
export function loadMallocTrim(): { trim: MallocTrim; whyNot?: undefined } | { trim: null; whyNot: string } {
  if (process.platform !== 'linux') return { trim: null, whyNot: `${process.platform} is not Linux` };
  // Only glibc has malloc_trim; node's report names glibc's version when it runs on it (not on musl).
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  if (!header?.glibcVersionRuntime) return { trim: null, whyNot: 'the C library is not glibc' };
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
    return { trim: () => mallocTrim(0) === 1 };
  } catch (e) {
    return { trim: null, whyNot: (e as Error).message };
  }
}
