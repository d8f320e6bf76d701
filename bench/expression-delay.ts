/**
 * How long other instances wait while hostile expressions are evaluated: the event loop's delay
 * (perf_hooks) and the time a trivial instance takes from start to COMPLETED, idle and under attack.
 * Runs the built engine (as `segue serve` does, with the isolate's built child):
 * `npm run build && node --import tsx bench/expression-delay.ts`
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Engine } from '../engine/engine.js';

const { createEngine } = (await import(new URL('../dist/engine/engine.js', import.meta.url).href)) as { createEngine: (o: object) => Promise<Engine> };

const ATTACKS = ['$sum([1..5000000].($ * 2))', '$count($distinct([1..200000]))', '$count($sort([1..200000].(-$)))', '$length($pad("", 100000000, "x"))', '$count([1..20].[1..9000000])'];

const engine = await createEngine({ store: 'memory' });
engine.start();
await engine.register(`name: quick\nsteps:\n  - { name: done, type: succeed }\n`);
await engine.register(`name: hostile\nsteps:\n  - { name: compute, type: set, values: { x: "\${ $eval($input.expr) }" } }\n`);

interface Figures {
  instances: number;
  p50: number;
  p99: number;
  max: number;
  loopP99: number;
  loopMax: number;
}

async function probe(ms: number): Promise<Figures> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const latencies: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = performance.now();
    const { id } = await engine.startInstance('quick');
    await engine.waitForInstance(id, 10_000);
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
  }
  h.disable();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!;
  return { instances: latencies.length, p50: at(0.5), p99: at(0.99), max: at(1), loopP99: h.percentile(99) / 1e6, loopMax: h.max / 1e6 };
}

const idle = await probe(4_000);
let attacking = true;
let attacks = 0;
const attack = (async () => {
  while (attacking) {
    await Promise.all(ATTACKS.map(async (expr) => engine.waitForInstance((await engine.startInstance('hostile', { input: { expr } })).id, 30_000)));
    attacks += ATTACKS.length;
  }
})();
const busy = await probe(10_000);
attacking = false;
await attack;
await engine.stop();
const f = (n: number): string => `${n.toFixed(1)} ms`;
const line = (name: string, x: Figures): string =>
  `${name} ${x.instances} instances: p50 ${f(x.p50)}, p99 ${f(x.p99)}, max ${f(x.max)}; event loop delay p99 ${f(x.loopP99)}, max ${f(x.loopMax)}`;
console.log(line('idle:        ', idle));
console.log(line('under attack:', busy));
console.log(`(${attacks} hostile expressions evaluated during the attack)`);
