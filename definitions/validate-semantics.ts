/**
 * Checks of the flow that the schema cannot express: where each step may go, duplicate and
 * reserved names, steps that can never run, and fields that have no effect where they are.
 */
import type { StepDefinition } from './definition.js';
import { didYouMean } from './messages.js';
import type { Finding, Path } from './messages.js';
import { fallsThrough, stepSites, targetsOf } from './validate-scopes.js';
import type { ScopeSite, StepSite, Target } from './validate-scopes.js';

/** The line a path starts on, to point from one problem to a related place. */
export type LineOf = (path: Path) => number;

/**
 * `certain` says of a list of steps whether all of it passed the schema; where some did not, a
 * step may only look unreachable because of the refused value, so reachability is not judged.
 */
export function flowFindings(scopes: readonly ScopeSite[], lineOf: LineOf, certain: (scope: ScopeSite) => boolean = () => true): Finding[] {
  const findings: Finding[] = [];
  const lost = new Set<ScopeSite>();
  for (const site of stepSites(scopes)) {
    const wrongTargets = targetFindings(site, scopes);
    if (wrongTargets.length > 0) lost.add(site.scope);
    findings.push(...wrongTargets, ...uselessFieldFindings(site), ...branchNameFindings(site, lineOf));
  }
  for (const scope of scopes) {
    findings.push(...nameFindings(scope, lineOf));
    // A target that points nowhere would make its intended step look unreachable: fix it first.
    if (!lost.has(scope) && certain(scope)) findings.push(...unreachableFindings(scope));
  }
  return findings;
}

function finding(site: StepSite, rel: Path, message: string): Finding {
  return { path: [...site.path, ...rel], message: `step "${site.step.name}"${message}`, step: site.step.name };
}

function nameFindings(scope: ScopeSite, lineOf: LineOf): Finding[] {
  const findings: Finding[] = [];
  const first = new Map<string, number>();
  scope.steps.forEach((step, index) => {
    const site: StepSite = { step, index, scope, path: [...scope.path, index] };
    if (step.name === 'end') {
      findings.push(finding(site, ['name'], ': "end" cannot be a step name, because next: end means "finish here"; rename the step'));
    }
    const earlier = first.get(step.name);
    if (earlier === undefined) {
      first.set(step.name, index);
      return;
    }
    const line = lineOf([...scope.path, earlier, 'name']);
    findings.push(finding(site, ['name'], `: another step of the same list, on line ${line}, has this name; give each step its own name`));
  });
  return findings;
}

function targetFindings(site: StepSite, scopes: readonly ScopeSite[]): Finding[] {
  const names = new Set(site.scope.steps.map((s) => s.name));
  const findings: Finding[] = [];
  for (const target of targetsOf(site.step)) {
    if (target.name === 'end' || names.has(target.name)) continue;
    const elsewhere = scopes.find((s) => s !== site.scope && s.steps.some((step) => step.name === target.name));
    findings.push(finding(site, target.rel, `: ${target.label} points to "${target.name}", ${whereTargetIs(site.scope, elsewhere, target, names)}`));
  }
  return findings;
}

function whereTargetIs(own: ScopeSite, elsewhere: ScopeSite | undefined, target: Target, names: Set<string>): string {
  if (elsewhere === undefined) return `which is not a step${didYouMean(target.name, names)}`;
  if (own.kind === 'branch') {
    return `which is outside ${own.label}; a step in a branch can only go to steps of the same branch, or to end to finish the branch`;
  }
  if (own.kind === 'item') {
    return `which is outside ${own.label}; those steps can only go to one another, or to end to finish the item`;
  }
  return `which is inside ${elsewhere.label}; a step can only go to steps of its own list, so go to step "${elsewhere.topStep}" instead`;
}

/** Where control may go after each step of a list: fall-through, jumps, choices and catches. */
function successors(scope: ScopeSite): Map<number, Set<number>> {
  const index = new Map<string, number>();
  scope.steps.forEach((s, i) => (index.has(s.name) ? undefined : index.set(s.name, i)));
  const edges = new Map<number, Set<number>>();
  scope.steps.forEach((step, i) => {
    const out = new Set<number>();
    if (fallsThrough(step) && i + 1 < scope.steps.length) out.add(i + 1);
    for (const target of targetsOf(step)) {
      if (target.label === 'next' && step.type === 'choice' && step.otherwise !== undefined) continue;
      const to = index.get(target.name);
      if (to !== undefined) out.add(to);
    }
    edges.set(i, out);
  });
  return edges;
}

function unreachableFindings(scope: ScopeSite): Finding[] {
  const edges = successors(scope);
  const reached = new Set<number>([0]);
  const queue = [0];
  while (queue.length > 0) {
    for (const to of edges.get(queue.shift()!) ?? []) {
      if (!reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  const seen = new Set<string>();
  const findings: Finding[] = [];
  scope.steps.forEach((step, i) => {
    const duplicate = seen.has(step.name);
    seen.add(step.name);
    if (reached.has(i) || duplicate) return;
    const site: StepSite = { step, index: i, scope, path: [...scope.path, i] };
    const ledFrom = [...edges].some(([, out]) => out.has(i));
    findings.push(finding(site, [], ` can never run: ${ledFrom ? 'only steps that never run lead to it' : whyNothingLeads(scope, i)}`));
  });
  return findings;
}

function whyNothingLeads(scope: ScopeSite, i: number): string {
  const before = scope.steps[i - 1]!;
  return `step "${before.name}" before it does not go on to the next step, and no next, choice or catch rule points to it; point one at it, or remove the step`;
}

/** Fields that are accepted but can never take effect where they are written. */
function uselessFieldFindings(site: StepSite): Finding[] {
  const { step } = site;
  const findings: Finding[] = [];
  if (step.type === 'choice' && step.otherwise !== undefined && step.next !== undefined) {
    findings.push(finding(site, ['next'], ': next is never used, because otherwise already says where to go when no choice matches; remove one of them'));
  }
  if (step.type === 'wait' && step.onTimeout !== undefined && step.timeout === undefined) {
    findings.push(finding(site, ['onTimeout'], ': onTimeout can never happen, because the step has no "timeout"; add one, like timeout: 1h'));
  }
  findings.push(...shadowedCatches(site, step));
  return findings;
}

function shadowedCatches(site: StepSite, step: StepDefinition): Finding[] {
  const rules = step.catch ?? [];
  const catchAll = rules.findIndex((rule) => rule.errors.includes('*'));
  if (catchAll < 0) return [];
  return rules.slice(catchAll + 1).map((_, k) => {
    const i = catchAll + 1 + k;
    return finding(site, ['catch', i], `: catch rule ${i + 1} can never match, because catch rule ${catchAll + 1} already catches every error ("*"); put the "*" rule last`);
  });
}

function branchNameFindings(site: StepSite, lineOf: LineOf): Finding[] {
  const first = new Map<string, number>();
  const findings: Finding[] = [];
  (site.step.branches ?? []).forEach((branch, b) => {
    const earlier = first.get(branch.name);
    if (earlier === undefined) {
      first.set(branch.name, b);
      return;
    }
    const line = lineOf([...site.path, 'branches', earlier, 'name']);
    findings.push(finding(site, ['branches', b, 'name'], `: two branches are named "${branch.name}" (the other one is on line ${line}); give each branch its own name`));
  });
  return findings;
}
