/** Maps a character offset to its 1-based line, by binary search over the line starts. */
export function lineLocator(text: string): (offset: number) => number {
  const starts: number[] = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** A line terminator as a multiline `^` sees one: `\n`, `\r`, U+2028, U+2029. */
const lineBreak = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/**
 * `text.matchAll(re)` for a global pattern whose every match starts at a line's first word (an alternative anchored
 * `^[ \t]*` in multiline mode, then one of the words `lead` finds) or, with `midLine`, also where one of those words
 * begins (an unanchored alternative such as `\brequire\(`): the same matches in the same order, found by searching
 * the text for the words and trying `re` only where a match can start, not at every position of the text. Lazy, so
 * a caller that stops early stops the search. `lead` must find, among others, every word an anchored alternative can
 * start with (it may find more: `re` decides).
 *
 * Measured on gemini-cli's 968 test files (12 MB), hot: the import pattern of ./test-text.ts 100 -> 30 ms, the local
 * function pattern of ./test-locals.ts 113 -> 35 ms (a pattern that starts with `^` or `\b` is tried at every
 * position; a search for a few words is not).
 */
export function* matchesAtWords(text: string, re: RegExp, lead: RegExp, midLine: boolean): Generator<RegExpExecArray> {
  const at = new RegExp(re.source, `${re.flags.replace('g', '')}y`);
  const words = new RegExp(lead.source, 'g');
  let from = 0;
  for (let w = words.exec(text); w; w = words.exec(text)) {
    const p = w.index;
    if (p < from) continue;
    // The line's first word: only spaces and tabs before it, back to a line terminator or the start.
    let s = p;
    while (s > 0) {
      const c = text.charCodeAt(s - 1);
      if (c !== 32 && c !== 9) break;
      s--;
    }
    const lineStart = s >= from && (s === 0 || lineBreak(text.charCodeAt(s - 1)));
    let m: RegExpExecArray | null = null;
    if (lineStart) {
      at.lastIndex = s;
      m = at.exec(text);
    }
    if (!m && midLine && !(lineStart && s === p)) {
      at.lastIndex = p;
      m = at.exec(text);
    }
    if (!m) continue;
    yield m;
    from = m.index + Math.max(1, m[0].length);
    if (words.lastIndex < from) words.lastIndex = from;
  }
}
