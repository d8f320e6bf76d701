/**
 * How long other instances wait while hostile expressions are evaluated: the event loop's delay
 * (perf_hooks) and the time a trivial instance takes from start to COMPLETED, idle and under attack.
 * `node --import tsx bench/expression-delay.ts`
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEngine } from '../engine/engine.js';

const ATTACKS = ['$sum([1..5000000].($ * 2))', '$count($distinct([1..200000]))', '$count($sort([1..200000].(-$)))', '$length($pad("", 100000000, "x"))', '$count([1..20].[1..9000000])'];

const engine = await createEngine({ store: 'memory' });
engine.start();
await engine.register(`name: quick\nsteps:\n  - { name: done, type: succeed }\n`);
await engine.register(`name: hostile\nsteps:\n  - { name: compute, type: set, values: { x: "\${ $eval($input.expr) }" } }\n`);

async function probe(ms: number): Promise<{ p50: number; max: number; loopMax: number }> {
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
  return { p50: latencies[Math.floor(latencies.length / 2)]!, max: latencies[latencies.length - 1]!, loopMax: h.max / 1e6 };
}

const idle = await probe(2_000);
let attacking = true;
const attack = (async () => {
  while (attacking) await Promise.all(ATTACKS.map(async (expr) => engine.waitForInstance((await engine.startInstance('hostile', { input: { expr } })).id, 30_000)));
})();
const busy = await probe(8_000);
attacking = false;
await attack;
await engine.stop();
const f = (n: number): string => `${n.toFixed(1)} ms`;
console.log(`idle:         instance p50 ${f(idle.p50)}, max ${f(idle.max)}; event loop max delay ${f(idle.loopMax)}`);
console.log(`under attack: instance p50 ${f(busy.p50)}, max ${f(busy.max)}; event loop max delay ${f(busy.loopMax)}`);
