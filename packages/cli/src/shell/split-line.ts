// Splits a shell line into words the way sh does for the cases a znode shell needs: blanks
// separate words, '...' keeps everything literally, "..." keeps blanks and lets \" and \\ through,
// and a backslash outside quotes escapes the next character. `create /a 'hello world'` thus gets
// three words, and `create /a ""` gets an empty data word.
import { UsageError } from '../errors.js';

export function splitLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false; // distinguishes an empty quoted word from no word
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) throw new UsageError(`unterminated ${quote} in: ${line}`);
  if (inWord) words.push(word);
  return words;
}
