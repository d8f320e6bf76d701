/**
 * Retry, Cancel or Terminate every instance of the list's filtered set. The console calls the
 * per-instance routes one by one (a few at a time): each is the same compare-and-swap, audit entry
 * and refusal as the instance page's action, and each refusal is reported with its instance. The
 * set is read first, page by page up to BULK_MAX, and the confirmation says how many it will act on.
 */
import type { InstanceView, LifecycleAction } from '../../../client/http-client.js';
import { api, describeError } from '../api.js';
import { h, isTerminal } from '../dom.js';
import { openDialog } from '../dialog.js';
import { LIFECYCLE } from './instance-actions.js';

export type BulkAction = Extract<LifecycleAction, 'retry' | 'cancel' | 'terminate'>;
export const BULK_ACTIONS: readonly BulkAction[] = ['retry', 'cancel', 'terminate'];

/** Most instances one bulk action reads and acts on. */
export const BULK_MAX = 1_000;
/** Requests in flight at once. */
const AT_ONCE = 4;

/** Whom an action applies to: Retry a FAILED instance, Cancel and Terminate one not finished. */
export function appliesTo(action: BulkAction, instance: InstanceView): boolean {
  return action === 'retry' ? instance.status === 'FAILED' : !isTerminal(instance.status);
}

export interface BulkOutcome {
  action: BulkAction;
  done: number;
  refused: { id: string; why: string }[];
}

/**
 * Asks, then acts: `matching` is the filtered set as read (at most BULK_MAX; `more` when there
 * were more), `described` says what the filters are; `finished` gets the outcome.
 */
export function confirmBulk(action: BulkAction, matching: InstanceView[], more: boolean, described: string, finished: (outcome: BulkOutcome) => void): void {
  const text = LIFECYCLE[action];
  const targets = matching.filter((i) => appliesTo(action, i));
  const left = matching.length - targets.length;
  const noun = (n: number): string => `${n} instance${n === 1 ? '' : 's'}`;
  const whom = action === 'retry' ? 'failed' : 'not finished';
  const message = h(
    'div',
    null,
    h('p', { class: 'bulk-count' }, `${text.label} ${noun(targets.length)}: those ${whom} of the ${more ? `first ${BULK_MAX} ` : ''}${noun(matching.length)} that match ${described}.`),
    left > 0 ? h('p', { class: 'muted' }, `${noun(left)} that match ${left === 1 ? 'is' : 'are'} left alone (${action === 'retry' ? 'not failed' : 'already finished'}).`) : null,
    h('p', null, text.explain),
  );
  openDialog({
    title: `${text.label} ${noun(targets.length)}?`,
    message,
    confirm: targets.length === 0 ? 'Nothing to do' : `${text.label} ${noun(targets.length)}`,
    danger: text.danger === true,
    run: async () => {
      if (targets.length === 0) return;
      finished(await runBulk(action, targets));
    },
  });
}

async function runBulk(action: BulkAction, targets: InstanceView[]): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { action, done: 0, refused: [] };
  const queue = [...targets];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const id = next.id;
      try {
        await api((c) => c.lifecycle(id, action));
        outcome.done += 1;
      } catch (err) {
        outcome.refused.push({ id, why: describeError(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, targets.length) }, worker));
  return outcome;
}

/** What a bulk action did, in words: how many, and each refusal with its instance. */
export function outcomeNotice(outcome: BulkOutcome, instanceLink: (id: string) => HTMLElement): HTMLElement {
  const past = { retry: 'Retried', cancel: 'Cancelled', terminate: 'Terminated' }[outcome.action];
  const total = outcome.done + outcome.refused.length;
  return h(
    'div',
    { class: outcome.refused.length ? 'error-box bulk-outcome' : 'notice-box bulk-outcome', role: 'status' },
    h('p', null, `${past} ${outcome.done} of ${total} instance${total === 1 ? '' : 's'}.${outcome.refused.length ? ` ${outcome.refused.length} refused:` : ''}`),
    outcome.refused.length ? h('ul', null, outcome.refused.map((r) => h('li', null, instanceLink(r.id), ` — ${r.why}`))) : null,
  );
}
