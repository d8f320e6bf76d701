/**
 * The operator's actions on an instance, offered as its status allows: Suspend while RUNNING,
 * Resume while SUSPENDED, events, Cancel and Terminate until it has finished, and Retry for a
 * FAILED instance — unless a `fail` step ended it, where a retry would only fail again. An instance
 * set aside takes only Retry and Terminate, offered in the banner that says why it was. Whether an
 * action is possible right now is still the API's to say, and its refusal is shown in the dialog.
 */
import type { InstanceView, LifecycleAction, RetryRequest } from '../../../client/http-client.js';
import type { Json, JsonObject } from '../../../definitions/model.js';
import { api } from '../api.js';
import { formatTime, h, isTerminal } from '../dom.js';
import { actionButton, openDialog, type ActionSpec } from '../dialog.js';
import type { RunTrace } from '../trace.js';

interface LifecycleText {
  label: string;
  explain: string;
  danger?: boolean;
}

export const LIFECYCLE: Record<LifecycleAction, LifecycleText> = {
  suspend: { label: 'Suspend', explain: 'No step starts while it is suspended; events and results that arrive are kept for when it resumes.' },
  resume: { label: 'Resume', explain: 'It goes on from where it was suspended.' },
  cancel: { label: 'Cancel', explain: 'Pending work is withdrawn and the compensations registered so far run, newest first.', danger: true },
  terminate: { label: 'Terminate', explain: 'It stops at once: nothing more runs, not even compensations.', danger: true },
  retry: { label: 'Retry', explain: 'It runs again from the step that failed, with the data it had then — or from the step named below, with its data patched, on a newer version.' },
};

/** Retry means something else for an instance set aside. */
const RETRY_SET_ASIDE: LifecycleText = {
  label: 'Retry',
  explain:
    'The inputs it holds are applied again, the one it was set aside on first, in one commit. Retry once the cause is fixed: if applying them fails again, nothing changes and it stays set aside.',
};

/** The `fail` step that ended a FAILED instance, when one did (its top level's last step). */
export function endingFailStep(instance: InstanceView, trace: RunTrace): string | undefined {
  if (instance.status !== 'FAILED') return undefined;
  const last = trace.paths[0]?.attempts.at(-1);
  return last?.node?.type === 'fail' ? last.step : undefined;
}

/** The buttons for `instance`; `done` runs after an action the API accepted. */
export function actionButtons(instance: InstanceView, trace: RunTrace, done: () => void): HTMLElement[] {
  const button = (action: LifecycleAction): HTMLElement => lifecycleButton(instance, action, done);
  // Its actions are in its banner.
  if (instance.setAside) return [];
  if (instance.status === 'FAILED') return endingFailStep(instance, trace) === undefined ? [button('retry')] : [];
  if (isTerminal(instance.status)) return [];
  return [
    raiseButton(instance, done),
    ...(instance.status === 'RUNNING' ? [button('suspend')] : []),
    ...(instance.status === 'SUSPENDED' ? [button('resume')] : []),
    button('cancel'),
    button('terminate'),
  ];
}

/** Why an instance set aside is, since when, and its two actions; null for any other instance. */
export function setAsideBanner(instance: InstanceView, done: () => void): HTMLElement | null {
  const mark = instance.setAside;
  if (!mark) return null;
  const held = mark.held > 1 ? ` It holds ${mark.held} inputs for the retry.` : '';
  return h(
    'div',
    { class: 'set-aside-banner', role: 'alert' },
    h(
      'div',
      { class: 'set-aside-text' },
      h('strong', null, 'Set aside'),
      ` since ${formatTime(mark.at)}: `,
      h('span', { class: 'set-aside-reason' }, mark.reason),
      '.',
      h('p', { class: 'set-aside-help' }, `Nothing is applied to it until it is retried or terminated; the other instances run on.${held}`),
    ),
    h('div', { class: 'set-aside-actions' }, lifecycleButton(instance, 'retry', done, RETRY_SET_ASIDE), lifecycleButton(instance, 'terminate', done)),
  );
}

function lifecycleButton(instance: InstanceView, action: LifecycleAction, done: () => void, text = LIFECYCLE[action]): HTMLElement {
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
  if (action === 'retry' && !instance.setAside) Object.assign(spec, redriveFields(instance, done));
  return actionButton(text.label, action, text.danger ? 'danger-outline' : '', () => spec);
}

/** A FAILED instance's retry takes edits: another step to go on from, a patch of its data, a newer version. */
function redriveFields(instance: InstanceView, done: () => void): Pick<ActionSpec, 'fields' | 'run'> {
  return {
    fields: [
      { name: 'from', label: 'From step (optional: default the step that failed)', kind: 'text' },
      { name: 'patch', label: 'Patch of the data (optional: a JSON merge patch, null removes a field)', kind: 'json', placeholder: '{ "amount": 20 }' },
      { name: 'version', label: 'Workflow version (optional: a number, or latest)', kind: 'text' },
      { name: 'reason', label: 'Reason (optional, kept in the history)', kind: 'text' },
    ],
    run: async ({ from, patch, version, reason }) => {
      const request: Omit<RetryRequest, 'dryRun'> = {};
      if (from) request.from = from as string;
      if (patch !== null) {
        if (typeof patch !== 'object' || Array.isArray(patch)) throw new Error('The patch must be a JSON object: the fields to change, null for those to remove.');
        request.patch = patch as JsonObject;
      }
      if (version === 'latest') request.version = 'latest';
      else if (version) {
        if (!/^[1-9][0-9]*$/.test(version as string)) throw new Error(`The version must be a number or latest, not "${version as string}".`);
        request.version = Number(version);
      }
      if (reason) request.reason = reason as string;
      await api((c) => c.retry(instance.id, request));
      done();
    },
  };
}

function quoted(names: string[]): string {
  return names.map((n) => `"${n}"`).join(' or ');
}

/** What happens to event `name` when raised now, when it is not simply taken by a waiting step. */
export function eventWarning(instance: InstanceView, name: string): string | undefined {
  if (name === '') return undefined;
  const awaited = [...new Set(instance.current.flatMap((c) => (c.event === undefined ? [] : [c.event])))];
  if (!awaited.includes(name)) {
    const waits = awaited.length > 0 ? ` (it waits for ${quoted(awaited)})` : '';
    return `${instance.id} is not waiting for "${name}"${waits}: the event will be kept until a wait step asks for it.`;
  }
  if (instance.status === 'SUSPENDED') return `${instance.id} is suspended: the event is kept, and taken when it resumes.`;
  return undefined;
}

function raiseButton(instance: InstanceView, done: () => void): HTMLElement {
  const awaited = (view: InstanceView): string | undefined => view.current.find((c) => c.event !== undefined)?.event;
  const spec = (now: InstanceView): ActionSpec => ({
    title: 'Raise an event',
    message: awaited(now)
      ? h('span', null, 'The instance waits for ', h('code', null, awaited(now)!), '. The payload becomes the wait step\'s result.')
      : 'The instance waits for no event now: the event is kept until a wait step asks for it.',
    confirm: 'Raise event',
    fields: [
      { name: 'event', label: 'Event name', kind: 'text', value: awaited(now) ?? '', required: true },
      { name: 'payload', label: 'Payload (JSON)', kind: 'json', value: '{}' },
    ],
    check: ({ event }) => {
      const warning = eventWarning(now, event ?? '');
      return warning === undefined ? undefined : { warning, confirm: 'Raise anyway' };
    },
    run: async ({ event, payload }) => {
      if (!event) throw new Error('name the event to raise');
      await api((c) => c.raiseEvent(now.id, event as string, payload as Json));
      done();
    },
  });
  // What the instance waits for is read as the dialog opens: the page may be a poll behind.
  const open = (): void => void api((c) => c.getInstance(instance.id)).then(spec, () => spec(instance)).then(openDialog);
  return h('button', { type: 'button', class: `button${awaited(instance) ? ' primary' : ''}`, 'data-action': 'raise', onclick: open }, 'Raise event');
}
