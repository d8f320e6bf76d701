/**
 * Where a process's CPU time went, by part of the system: reads the .cpuprofile files Node writes
 * with --cpu-prof and sums each sample's time under the part its function belongs to. A native
 * function (a SQLite statement, JSON.parse) counts for the part that called it, so "store" holds
 * the SQLite work its statements do.
 *
 *   node --import tsx bench/profile-summary.ts [--steps N] [--window MS] [--by-file] <file.cpuprofile>...
 *
 * With --steps (the steps the profiled run completed) it prints µs per step beside the shares;
 * --window counts only the profile's last MS milliseconds (a measured phase that ends the run, not
 * the start-up before it); --by-file splits each part by file (the 30 costliest).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The first rule whose pattern the function's file matches names its part. */
const PARTS: [part: string, pattern: RegExp][] = [
  ['store', /\/engine\/store\/|better-sqlite3|\/node_modules\/mongodb\//],
  ['HTTP framework', /\/node_modules\/(express|router|body-parser|raw-body|finalhandler|send|on-finished|qs|content-type|type-is|mime|debug|depd|iconv-lite|http-errors|statuses|accepts|negotiator|path-to-regexp|parseurl|encodeurl|vary|cookie|media-typer|ms)\//],
  ['API', /\/api\//],
  ['worker / client', /\/(client|sdk)\//],
  ['core interpreter', /\/core\//],
  ['definitions / expressions', /\/definitions\/|\/node_modules\/jsonata\//],
  ['engine runtime', /\/engine\//],
  ['node HTTP', /^node:(_http|http|net|stream|internal\/(http|stream|streams|net))/],
  ['node other', /^node:/],
  ['other modules', /\/node_modules\//],
];

const SPECIAL: Record<string, string> = {
  '(garbage collector)': 'garbage collection',
  '(idle)': 'idle',
  '(program)': 'native (unattributed)',
};

function partOf(node: ProfileNode, parentPart: string): string {
  const special = SPECIAL[node.callFrame.functionName];
  if (special && node.callFrame.url === '') return special;
  if (node.callFrame.url === '') return parentPart;
  return PARTS.find(([, pattern]) => pattern.test(node.callFrame.url))?.[0] ?? 'other';
}

/**
 * Microseconds of samples per part (or, with `byFile`, per file of each part), of the last
 * `windowMs` of the profile when given.
 */
function summarise(profile: CpuProfile, byFile: boolean, windowMs?: number): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parts = new Map<number, string>();
  const files = new Map<number, string>();
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const stack: [ProfileNode, string, string][] = profile.nodes.filter((n) => !childIds.has(n.id)).map((n) => [n, 'native (unattributed)', '']);
  while (stack.length > 0) {
    const [node, parentPart, parentFile] = stack.pop()!;
    const part = partOf(node, parentPart);
    const file = node.callFrame.url === '' ? parentFile : node.callFrame.url;
    parts.set(node.id, part);
    files.set(node.id, file);
    for (const child of node.children ?? []) stack.push([byId.get(child)!, part, file]);
  }
  const totals = new Map<string, number>();
  const from = windowMs === undefined ? -Infinity : profile.endTime - windowMs * 1000;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from) return;
    const part = byFile ? `${parts.get(id)} ${files.get(id)}` : (parts.get(id) ?? 'other');
    totals.set(part, (totals.get(part) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { steps: { type: 'string' }, window: { type: 'string' }, 'by-file': { type: 'boolean', default: false } } });
  if (positionals.length === 0) throw new Error('usage: bench/profile-summary.ts [--steps N] [--window MS] [--by-file] <file.cpuprofile>...');
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (steps !== undefined && !(steps > 0)) throw new Error(`--steps must be a number above 0, got "${values.steps}"`);
  const windowMs = values.window === undefined ? undefined : Number(values.window);
  if (windowMs !== undefined && !(windowMs > 0)) throw new Error(`--window must be a number of ms above 0, got "${values.window}"`);
  const totals = new Map<string, number>();
  for (const file of positionals) {
    for (const [part, us] of summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, values['by-file']!, windowMs)) totals.set(part, (totals.get(part) ?? 0) + us);
  }
  const busy = [...totals].filter(([part]) => !part.startsWith('idle')).reduce((sum, [, us]) => sum + us, 0);
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, values['by-file'] ? 30 : undefined);
  console.log(`| part | ms | share of busy |${steps ? ' µs per step |' : ''}`);
  console.log(`|---|---|---|${steps ? '---|' : ''}`);
  for (const [part, us] of rows) {
    const share = part.startsWith('idle') ? '–' : `${((100 * us) / busy).toFixed(1)}%`;
    console.log(`| ${part} | ${(us / 1000).toFixed(0)} | ${share} |${steps ? ` ${(us / steps).toFixed(1)} |` : ''}`);
  }
  console.log(`| **busy** | ${(busy / 1000).toFixed(0)} | 100% |${steps ? ` ${(busy / steps).toFixed(1)} |` : ''}`);
}

main();
