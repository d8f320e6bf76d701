/**
 * How deeply a YAML or JSON text nests, measured before parsing it. Parsers (and the JSON encoder)
 * recurse per level, so a short text nested thousands deep can exhaust their stack or regex
 * engine; refusing it up front keeps a bad request from taking the process down.
 */

/** Deepest `[`/`{` nesting outside quoted strings. */
export function bracketDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i += 1;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth -= 1;
  }
  return deepest;
}

/** Deepest block nesting of YAML lines: leading `- ` items on a line, and indentation (2 columns a level). */
export function blockDepth(text: string): number {
  let deepest = 0;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const dashes = /^(?:-\s+)*/.exec(line.trimStart())![0].split('-').length - 1;
    deepest = Math.max(deepest, Math.ceil(indent / 2) + dashes);
  }
  return deepest;
}
