/**
 * `StringMatches` patterns: `*` stands for any run of characters (none included); `\*` is a
 * literal star and `\\` a literal backslash. Everything else matches itself.
 */

/** Parsed once: the literal pieces between the stars. */
export interface StringPattern {
  readonly pieces: readonly string[];
}

export function compileStringPattern(pattern: string): StringPattern {
  const pieces: string[] = [''];
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (char === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      pieces[pieces.length - 1] += pattern[i + 1];
      i += 1;
    } else if (char === '*') {
      pieces.push('');
    } else {
      pieces[pieces.length - 1] += char;
    }
  }
  return { pieces };
}

export function matchesPattern(text: string, { pieces }: StringPattern): boolean {
  if (pieces.length === 1) return text === pieces[0];
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  // Greedy from the left is enough: each middle piece only needs to appear after the previous one.
  let at = first.length;
  const end = text.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
