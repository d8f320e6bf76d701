/**
 * The operator's actions on an instance. Which ones are offered follows the statuses of the
 * contract (a finished instance takes only `retry`, and only when FAILED); whether one is
 * possible right now is the API's to say, and its refusal is shown in the dialog.
 */
import type { InstanceView, LifecycleAction } from '../../../client/http-client.js';
import type { Json } from '../../../definitions/model.js';
import { api } from '../api.js';
import { h, isTerminal } from '../dom.js';
import { openDialog, type ActionSpec } from '../dialog.js';

interface LifecycleText {
  label: string;
  explain: string;
  danger?: boolean;
}

const LIFECYCLE: Record<LifecycleAction, LifecycleText> = {
  suspend: { label: 'Suspend', explain: 'No step starts while it is suspended; events and results that arrive are kept for when it resumes.' },
  resume: { label: 'Resume', explain: 'It goes on from where it was suspended.' },
  cancel: { label: 'Cancel', explain: 'Pending work is withdrawn and the compensations registered so far run, newest first.', danger: true },
  terminate: { label: 'Terminate', explain: 'It stops at once: nothing more runs, not even compensations.', danger: true },
  retry: { label: 'Retry', explain: 'It runs again from the step that failed, with the data it had then.' },
};

const ACTIVE_ACTIONS: LifecycleAction[] = ['suspend', 'resume', 'cancel', 'terminate'];

/** The buttons for `instance`; `done` runs after an action the API accepted. */
export function actionButtons(instance: InstanceView, done: () => void): HTMLElement[] {
  if (instance.status === 'FAILED') return [lifecycleButton(instance, 'retry', done)];
  if (isTerminal(instance.status)) return [];
  return [raiseButton(instance, done), ...ACTIVE_ACTIONS.map((action) => lifecycleButton(instance, action, done))];
}

function lifecycleButton(instance: InstanceView, action: LifecycleAction, done: () => void): HTMLElement {
  const text = LIFECYCLE[action];
  const spec: ActionSpec = {
    title: `${text.label} instance?`,
    message: h('span', null, h('code', null, instance.id), ` — ${text.explain}`),
    confirm: `${text.label} instance`,
    danger: text.danger === true,
    fields: action === 'cancel' || action === 'terminate' ? [{ name: 'reason', label: 'Reason (optional, kept in the history)', kind: 'text' }] : [],
    run: async ({ reason }) => {
      await api((c) => c.lifecycle(instance.id, action, reason ? (reason as string) : undefined));
      done();
    },
  };
  return h('button', { type: 'button', class: `button${text.danger ? ' danger-outline' : ''}`, 'data-action': action, onclick: () => openDialog(spec) }, text.label);
}

function raiseButton(instance: InstanceView, done: () => void): HTMLElement {
  const awaited = instance.current.find((c) => c.event !== undefined)?.event;
  const spec: ActionSpec = {
    title: 'Raise an event',
    message: awaited
      ? h('span', null, 'The instance waits for ', h('code', null, awaited), '. The payload becomes the wait step\'s result.')
      : 'The instance waits for no event now: the event is kept until a wait step asks for it.',
    confirm: 'Raise event',
    fields: [
      { name: 'event', label: 'Event name', kind: 'text', value: awaited ?? '', required: true },
      { name: 'payload', label: 'Payload (JSON)', kind: 'json', value: '{}' },
    ],
    run: async ({ event, payload }) => {
      if (!event) throw new Error('name the event to raise');
      await api((c) => c.raiseEvent(instance.id, event as string, payload as Json));
      done();
    },
  };
  return h('button', { type: 'button', class: `button${awaited ? ' primary' : ''}`, 'data-action': 'raise', onclick: () => openDialog(spec) }, 'Raise event');
}
