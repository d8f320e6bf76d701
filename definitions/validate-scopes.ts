/**
 * The lists of steps of a definition that passed the schema, each with its own namespace: the
 * top level, every parallel branch and every map body. A step's `next` (and every other
 * target) resolves within its own list only.
 */
import type { StepDefinition, WorkflowDefinition } from './definition.js';
import type { Path } from './messages.js';

export interface ScopeSite {
  /** Path of the list in the definition. */
  path: Path;
  steps: StepDefinition[];
  /** How messages name the list: `branch "b" of step "p"`, `the steps of map step "m"`. */
  label: string;
  /** 'top', or what a step of this list finishes with `next: end`. */
  kind: 'top' | 'branch' | 'item';
  /** The top-level step the list is nested in (directly or not); absent for the top level. */
  topStep?: string;
}

export interface StepSite {
  step: StepDefinition;
  path: Path;
  scope: ScopeSite;
  index: number;
}

export function collectScopes(definition: WorkflowDefinition): ScopeSite[] {
  const scopes: ScopeSite[] = [];
  const visit = (scope: ScopeSite): void => {
    scopes.push(scope);
    scope.steps.forEach((step, index) => {
      const path = [...scope.path, index];
      if (step.type === 'parallel') {
        (step.branches ?? []).forEach((branch, b) =>
          visit({
            path: [...path, 'branches', b, 'steps'],
            steps: branch.steps,
            label: `branch "${branch.name}" of step "${step.name}"`,
            kind: 'branch',
            topStep: scope.topStep ?? step.name,
          }),
        );
      }
      if (step.type === 'map') {
        visit({
          path: [...path, 'steps'],
          steps: step.steps ?? [],
          label: `the steps of map step "${step.name}"`,
          kind: 'item',
          topStep: scope.topStep ?? step.name,
        });
      }
    });
  };
  visit({ path: ['steps'], steps: definition.steps, label: 'the top-level steps', kind: 'top' });
  return scopes;
}

export function stepSites(scopes: readonly ScopeSite[]): StepSite[] {
  return scopes.flatMap((scope) => scope.steps.map((step, index) => ({ step, path: [...scope.path, index], scope, index })));
}

/** Steps after which the next step of the list runs unless `next` says otherwise. */
export function fallsThrough(step: StepDefinition): boolean {
  if (step.type === 'succeed' || step.type === 'fail' || step.type === 'continue') return false;
  if (step.type === 'choice') return step.otherwise === undefined && step.next === undefined;
  return step.next === undefined;
}

export interface Target {
  /** Path of the target's value, from the step. */
  rel: Path;
  /** How messages name the field: `next`, `choice 2`, `catch rule 1`. */
  label: string;
  name: string;
}

/** Every step name a step may go to, `end` included. */
export function targetsOf(step: StepDefinition): Target[] {
  const targets: Target[] = [];
  if (step.next !== undefined) targets.push({ rel: ['next'], label: 'next', name: step.next });
  (step.choices ?? []).forEach((c, i) => targets.push({ rel: ['choices', i, 'next'], label: `choice ${i + 1}`, name: c.next }));
  if (step.otherwise !== undefined) targets.push({ rel: ['otherwise'], label: 'otherwise', name: step.otherwise });
  if (step.onTimeout !== undefined) targets.push({ rel: ['onTimeout'], label: 'onTimeout', name: step.onTimeout });
  (step.catch ?? []).forEach((c, i) => targets.push({ rel: ['catch', i, 'next'], label: `catch rule ${i + 1}`, name: c.next }));
  return targets;
}
