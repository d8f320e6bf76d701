/**
 * The playground's draft, kept in the tab's session storage so it survives navigation. A draft is
 * unsaved when it differs from the starter text and from the text last registered or opened from
 * a workflow; replacing an unsaved draft asks first.
 */
import { h } from '../dom.js';
import { openDialog } from '../dialog.js';

const DRAFT = 'segue.playgroundDraft';
const SAVED = 'segue.playgroundSaved';

export const STARTER = `name: expense-approval
description: Small expenses pass at once; larger ones wait for a manager's answer.
input:
  type: object
  required: [employee, amount]
  properties:
    employee: { type: string }
    amount: { type: number }
steps:
  - name: triage
    type: choice
    choices:
      - when: amount <= 100
        next: approved

  - name: managerApproval
    type: wait
    event: approval
    timeout: 3d
    onTimeout: expired

  - name: decide
    type: choice
    choices:
      - when: managerApproval.approved = true
        next: approved
    otherwise: rejected

  - name: approved
    type: succeed
    output: { employee: "\${ employee }", amount: "\${ amount }", approved: true }

  - name: rejected
    type: fail
    error: Rejected
    message: "The expense of \${ employee } was rejected"

  - name: expired
    type: fail
    error: NoAnswer
    message: Nobody answered within 3 days
`;

export function draftText(): string {
  return sessionStorage.getItem(DRAFT) ?? STARTER;
}

export function keepDraft(text: string): void {
  sessionStorage.setItem(DRAFT, text);
}

/** `text` is registered (or was just opened from a workflow): it is no longer an unsaved draft. */
export function markSaved(text: string): void {
  sessionStorage.setItem(SAVED, text);
}

export function unsavedDraft(): boolean {
  const text = draftText();
  return text.trim() !== '' && text !== STARTER && text !== sessionStorage.getItem(SAVED);
}

/** Replaces the draft with `text` (saved: it comes from a workflow), asking first when the draft has unsaved changes. */
export function replaceDraft(text: string, saved: boolean, what: string, then: () => void): void {
  const replace = (): void => {
    keepDraft(text);
    if (saved) markSaved(text);
    then();
  };
  if (!unsavedDraft() || draftText() === text) return replace();
  const name = /^name:\s*(\S+)/m.exec(draftText())?.[1];
  openDialog({
    title: 'Discard your draft?',
    message: h('span', null, 'The playground holds a draft', name ? [' of ', h('code', null, name)] : null, ` that is not registered: ${what} replaces it.`),
    confirm: 'Discard the draft',
    danger: true,
    run: async () => replace(),
  });
}
