/**
 * Who a problem in an ASL document is about (`state "Charge"`, or the state machine) and how a
 * field is named (`"Next" of Catch rule 1`), in the plain words of Segue's own messages.
 */
import { quote } from '../messages.js';
import type { Finding, Path } from '../messages.js';

export interface AslOwner {
  /** `state "X"`, or '' for the machine itself. */
  subject: string;
  state?: string;
  /** The path below the state (or the root). */
  rel: Path;
}

/** The innermost state holding `path`: a path goes through `States`, then the state's name. */
export function aslOwner(path: Path): AslOwner {
  let owner: AslOwner = { subject: '', rel: path };
  for (let i = 0; i + 1 < path.length; i += 1) {
    if (path[i] === 'States' && typeof path[i + 1] === 'string' && isMachinePrefix(path.slice(0, i))) {
      const name = String(path[i + 1]);
      owner = { subject: `state ${quote(name)}`, state: name, rel: path.slice(i + 2) };
    }
  }
  return owner;
}

/** A path that leads to a machine: the root, an item processor, or a branch. */
function isMachinePrefix(prefix: Path): boolean {
  if (prefix.length === 0) return true;
  const last = prefix[prefix.length - 1];
  if (last === 'ItemProcessor' || last === 'Iterator') return true;
  return typeof last === 'number' && prefix[prefix.length - 2] === 'Branches';
}

const ITEM_NOUNS: Record<string, string> = {
  Retry: 'Retry rule',
  Catch: 'Catch rule',
  Choices: 'choice rule',
  ErrorEquals: 'error name',
  Branches: 'branch',
  And: 'rule',
  Or: 'rule',
};

/** `"Next" of Catch rule 1`, `"Variable" of rule 2 of "And" of choice rule 1`. */
export function aslFieldLabel(rel: Path): string {
  const parts: string[] = [];
  let run: string[] = [];
  rel.forEach((seg) => {
    if (typeof seg === 'string') {
      run.push(seg);
      return;
    }
    const list = run.pop() ?? '';
    if (run.length > 0) parts.push(quote(run.join('.')));
    parts.push(`${ITEM_NOUNS[list] ?? `entry of ${quote(list)}`} ${seg + 1}`);
    run = [];
  });
  if (run.length > 0) parts.push(quote(run.join('.')));
  return parts.reverse().join(' of ');
}

/** `state "X": "Next" of Catch rule 1 <rest>`, or `state "X" <rest>` for the state itself. */
export function aboutAsl(owner: AslOwner, rest: string): string {
  if (owner.rel.length === 0) return `${owner.subject || 'the state machine'} ${rest}`;
  return `${owner.subject ? `${owner.subject}: ` : ''}${aslFieldLabel(owner.rel)} ${rest}`;
}

/** A finding at `path`, its message starting with who it is about. */
export function aslFinding(path: Path, rest: string, extra: Partial<Finding> = {}): Finding {
  const owner = aslOwner(path);
  return { path, message: aboutAsl(owner, rest), ...(owner.state === undefined ? {} : { step: owner.state }), ...extra };
}
