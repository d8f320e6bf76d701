/**
 * Every action asks first: a modal dialog says what will happen, takes the action's fields, and
 * shows the API's answer plainly when it refuses — the dialog stays open so one can fix and retry.
 */
import { describeError } from './api.js';
import { h, type Child } from './dom.js';

export interface DialogField {
  name: string;
  label: string;
  /** json: must parse as JSON (empty = null); its value is handed over parsed. secret: not shown. */
  kind: 'text' | 'secret' | 'json';
  value?: string;
  placeholder?: string;
  required?: boolean;
}

export interface ActionSpec {
  title: string;
  message: Child;
  confirm: string;
  danger?: boolean;
  /** For a message that needs room (a diff). */
  wide?: boolean;
  fields?: DialogField[];
  /** Runs the action; a rejection is shown in the dialog. */
  run(values: Record<string, unknown>): Promise<void>;
  /** Looks at the fields as they are typed: a warning to show before confirming, and the confirm button's words then. */
  check?(text: Record<string, string>): { warning: string; confirm: string } | undefined;
}

export function openDialog(spec: ActionSpec): HTMLDialogElement {
  const error = h('p', { class: 'dialog-error', role: 'alert', hidden: true });
  const warning = h('p', { class: 'dialog-warning', role: 'status', hidden: true });
  const inputs = (spec.fields ?? []).map((field) => ({ field, input: fieldInput(field) }));
  const confirm = h('button', { type: 'submit', class: spec.danger ? 'button danger' : 'button primary' }, spec.confirm);
  const form = h(
    'form',
    { method: 'dialog', class: 'dialog-form' },
    h('h2', null, spec.title),
    h('div', { class: 'dialog-message' }, spec.message),
    inputs.map(({ field, input }) => h('label', { class: 'field' }, h('span', null, field.label), input)),
    warning,
    error,
    h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Close'), confirm),
  );
  const dialog = h('dialog', { class: spec.wide ? 'dialog wide' : 'dialog' }, form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });
  const submit = async (): Promise<void> => {
    error.hidden = true;
    let values: Record<string, unknown>;
    try {
      values = Object.fromEntries(inputs.map(({ field, input }) => [field.name, readField(field, input.value)]));
    } catch (err) {
      return showError((err as Error).message);
    }
    confirm.disabled = true;
    try {
      await spec.run(values);
      dialog.close();
    } catch (err) {
      showError(describeError(err));
    } finally {
      confirm.disabled = false;
    }
  };
  const showError = (text: string): void => {
    error.textContent = text;
    error.hidden = false;
  };
  const check = (): void => {
    const found = spec.check?.(Object.fromEntries(inputs.map(({ field, input }) => [field.name, input.value.trim()])));
    warning.hidden = found === undefined;
    warning.textContent = found?.warning ?? '';
    confirm.textContent = found?.confirm ?? spec.confirm;
  };
  form.addEventListener('input', check);
  check();
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A button (`data-action` naming it, `variant` its look: primary, danger…) that asks with `spec` when pressed. */
export function actionButton(label: string, action: string, variant: string, spec: () => ActionSpec): HTMLButtonElement {
  return h('button', { type: 'button', class: variant ? `button ${variant}` : 'button', 'data-action': action, onclick: () => openDialog(spec()) }, label);
}

function fieldInput(field: DialogField): HTMLInputElement | HTMLTextAreaElement {
  const attrs = { name: field.name, placeholder: field.placeholder ?? '', spellcheck: 'false', required: field.required === true };
  if (field.kind === 'json') {
    const area = h('textarea', { ...attrs, rows: 6, class: 'mono' });
    area.value = field.value ?? '';
    return area;
  }
  const input = h('input', { ...attrs, type: field.kind === 'secret' ? 'password' : 'text', autocomplete: 'off' });
  input.value = field.value ?? '';
  return input;
}

function readField(field: DialogField, text: string): unknown {
  if (field.kind !== 'json') return text.trim();
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${field.label} is not valid JSON: ${(err as Error).message}`);
  }
}
