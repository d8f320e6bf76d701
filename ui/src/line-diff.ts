/**
 * A line diff (Myers' O(ND) algorithm: the fewest lines removed and added), cut into hunks with a
 * few lines of context, as `diff -u` shows them. For the draft against the registered version.
 */

export type DiffLine = { kind: 'same' | 'removed' | 'added'; text: string; /** 1-based, in the old and new text. */ old?: number; new?: number };

export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  // Forward: the furthest x reached on each diagonal k = x - y, for each number of edits d.
  let found = false;
  for (let d = 0; d <= max && !found; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[max + k - 1]! < v[max + k + 1]!) ? v[max + k + 1]! : v[max + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[max + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Back: walk the recorded fronts from the end to the start.
  const lines: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d -= 1) {
    const front = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && front[max + k - 1]! < front[max + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : front[max + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      lines.push({ kind: 'same', text: a[x - 1]!, old: x, new: y });
      x -= 1;
      y -= 1;
    }
    if (d === 0) break;
    if (x === prevX) lines.push({ kind: 'added', text: b[y - 1]!, new: y });
    else lines.push({ kind: 'removed', text: a[x - 1]!, old: x });
    x = prevX;
    y = prevY;
  }
  return lines.reverse();
}

export interface Hunk {
  oldStart: number;
  newStart: number;
  lines: DiffLine[];
}

/** The changed lines with `context` unchanged lines around them; none when nothing changed. */
export function hunks(lines: DiffLine[], context = 3): Hunk[] {
  const changed = lines.flatMap((l, i) => (l.kind === 'same' ? [] : [i]));
  const result: Hunk[] = [];
  let current: { from: number; to: number } | undefined;
  const close = (): void => {
    if (!current) return;
    const slice = lines.slice(current.from, current.to + 1);
    const first = slice[0]!;
    result.push({ oldStart: first.old ?? (slice.find((l) => l.old !== undefined)?.old ?? 1), newStart: first.new ?? (slice.find((l) => l.new !== undefined)?.new ?? 1), lines: slice });
  };
  for (const i of changed) {
    const from = Math.max(0, i - context);
    const to = Math.min(lines.length - 1, i + context);
    if (current && from <= current.to + 1) current.to = to;
    else {
      close();
      current = { from, to };
    }
  }
  close();
  return result;
}
