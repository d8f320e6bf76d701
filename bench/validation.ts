/**
 * How long `checkDefinition` takes per example definition: the median of many checks after a
 * warm-up, per file. Validation runs at every registration and `segue validate`, never per step.
 *
 *   node --import tsx bench/validation.ts [--rounds 200]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDefinition } from '../definitions/validate.js';

const examples = fileURLToPath(new URL('../examples/', import.meta.url));
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 200;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

for (const file of readdirSync(examples).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).sort()) {
  const text = readFileSync(join(examples, file), 'utf8');
  checkDefinition(text, file);
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const began = performance.now();
    checkDefinition(text, file);
    times.push(performance.now() - began);
  }
  process.stdout.write(`${file.padEnd(26)} ${median(times).toFixed(3)} ms (median of ${rounds}), worst ${Math.max(...times).toFixed(3)} ms\n`);
}
