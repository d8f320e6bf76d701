/**
 * The part of a definition that the checks of meaning can still read when the schema refused
 * something, so that one pass reports every problem it can find: a misspelt field and a `next`
 * to a missing step together, not one after the other is fixed.
 *
 * The checks run on a copy. Unknown fields are dropped from it: they mean nothing, so no other
 * finding changes. A step holding a value of the wrong kind (or missing a field) is doubtful:
 * the copy keeps only its name, so other steps may still point to it, and what the checks would
 * say about it is left to the schema's message. A refused top-level field is dropped likewise.
 * Where the schema refused `defaults`, which every step inherits, or the lists of steps
 * themselves, nothing more is checked.
 */
import type { WorkflowDefinition } from './definition.js';
import { isRecord, valueAt } from './messages.js';
import type { Finding, Path } from './messages.js';

export interface SoundPart {
  definition: WorkflowDefinition;
  /** Steps (or top-level fields) that hold a value the schema refused. */
  doubtful: Path[];
}

/** Null when nothing beyond the schema's findings can be checked. */
export function soundPart(value: unknown, shapeFindings: readonly Finding[], stepTypes: readonly string[]): SoundPart | null {
  if (!isRecord(value) || !walkable(value.steps, new Set(stepTypes))) return null;
  const copy = structuredClone(value);
  const doubtful: Path[] = [];
  for (const finding of shapeFindings) {
    if (finding.at === 'key') removeAt(copy, finding.path);
    else doubtful.push(enclosingStep(finding.path) ?? finding.path.slice(0, 1));
  }
  if (doubtful.some((d) => d.length === 0 || d[0] === 'defaults' || (d.length === 1 && d[0] === 'steps'))) return null;
  // Outer paths first: a doubtful step inside one already reduced to its name is gone with it.
  for (const path of [...doubtful].sort((a, b) => a.length - b.length)) {
    if (path.length === 1) {
      removeAt(copy, path);
      continue;
    }
    const step = valueAt(copy, path);
    const holder = valueAt(copy, path.slice(0, -1));
    if (isRecord(step) && Array.isArray(holder)) holder[path[path.length - 1] as number] = { name: step.name, type: 'succeed' };
  }
  return { definition: copy as unknown as WorkflowDefinition, doubtful };
}

/** True when `path` is `within` or below it. */
export function isWithin(path: Path, within: Path): boolean {
  return within.length <= path.length && within.every((seg, i) => path[i] === seg);
}

function removeAt(root: unknown, path: Path): void {
  const holder = valueAt(root, path.slice(0, -1));
  if (isRecord(holder)) delete holder[String(path[path.length - 1])];
}

/** Every step an object with a name and a known type; branches and map bodies likewise. */
function walkable(steps: unknown, types: ReadonlySet<string>): boolean {
  if (!Array.isArray(steps)) return false;
  return steps.every((step) => {
    if (!isRecord(step) || typeof step.name !== 'string' || typeof step.type !== 'string' || !types.has(step.type)) return false;
    if (step.type === 'map' && step.steps !== undefined && !walkable(step.steps, types)) return false;
    if (step.type !== 'parallel' || step.branches === undefined) return true;
    return Array.isArray(step.branches) && step.branches.every((b) => isRecord(b) && typeof b.name === 'string' && walkable(b.steps, types));
  });
}

/** The path of the innermost step holding `path`, if any. */
function enclosingStep(path: Path): Path | undefined {
  for (let end = path.length; end >= 2; end -= 1) {
    if (path[end - 2] === 'steps' && typeof path[end - 1] === 'number') return path.slice(0, end);
  }
  return undefined;
}
