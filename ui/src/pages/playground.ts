/**
 * The authoring playground: YAML on the left, checked by the server as you type (POST
 * /v1/validate, the messages of `segue validate`), the state machine on the right, and a button
 * to register it. The draft survives navigation within the tab.
 */
import type { Problem } from '../../../definitions/model.js';
import type { WorkflowVersion } from '../../../client/http-client.js';
import { api, describeError, ProblemError, validate } from '../api.js';
import { fill, h } from '../dom.js';
import { openDialog } from '../dialog.js';
import { YamlEditor } from '../editor.js';
import { diffLines, hunks } from '../line-diff.js';
import { drawGraph, graphBox, legend, preloadGraphs } from '../graph-view.js';
import { draftText, keepDraft, markSaved, replaceDraft, STARTER } from './draft.js';
import { link, pageHeader, workflowHref, type Page } from './page.js';

const DEBOUNCE_MS = 300;

export const playgroundPage: Page = {
  section: 'playground',
  title: () => 'Playground',
  render: async (main, _route, leave) => {
    preloadGraphs();
    const playground = new Playground(leave);
    fill(
      main,
      pageHeader('Playground', 'Write a workflow: it is checked as you type, with the messages of segue validate.', ...playground.buttons()),
      h(
        'div',
        { class: 'split playground' },
        h('section', { class: 'card editor-card' }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Definition'), playground.state), playground.editor.element, playground.problemList, playground.result),
        h('section', { class: 'card graph-card' }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'State machine'), legend(false)), playground.graph),
      ),
    );
    await playground.check(playground.editor.value);
  },
};

class Playground {
  readonly graph = graphBox();
  readonly problemList = h('ul', { class: 'problems', 'aria-live': 'polite' });
  readonly state = h('span', { class: 'check-state' });
  readonly result = h('div', { class: 'register-result', role: 'status' });
  readonly editor: YamlEditor;
  private readonly register = h('button', { type: 'button', class: 'button primary', disabled: true }, 'Register');
  private checks = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly leave: AbortSignal) {
    this.editor = new YamlEditor(draftText(), (text) => {
      keepDraft(text);
      clearTimeout(this.timer);
      fill(this.state, h('span', { class: 'muted' }, 'checking…'));
      this.timer = setTimeout(() => void this.check(text), DEBOUNCE_MS);
    });
    leave.addEventListener('abort', () => clearTimeout(this.timer), { once: true });
    // The schema and its help come as a chunk of their own, after the editor shows.
    void import('../schema-help.js').then((help) => this.editor.useHelp(help));
    this.register.addEventListener('click', () => void this.registerDraft());
  }

  buttons(): HTMLElement[] {
    const reset = h('button', { type: 'button', class: 'button', onclick: () => replaceDraft(STARTER, false, 'starting over', () => this.editor.replace(STARTER)) }, 'Start over');
    return [reset, this.register];
  }

  /** Validates `text`; an answer overtaken by a later check is dropped. */
  async check(text: string): Promise<void> {
    const mine = ++this.checks;
    if (text.trim() === '') {
      // Nothing to check: no problem stays up from the text that was there.
      this.showProblems([]);
      fill(this.state, h('span', { class: 'muted' }, 'empty'));
      this.register.disabled = true;
      this.graph.classList.add('stale');
      return;
    }
    try {
      const answer = await validate(text);
      if (mine !== this.checks || this.leave.aborted) return;
      this.showProblems(answer.errors);
      this.register.disabled = !answer.valid;
      // An invalid draft leaves the last good drawing up, greyed.
      this.graph.classList.toggle('stale', !answer.graph);
      if (answer.graph) await drawGraph(this.graph, answer.graph);
    } catch (err) {
      if (mine !== this.checks) return;
      fill(this.state, h('span', { class: 'bad' }, describeError(err)));
    }
  }

  private showProblems(problems: Problem[]): void {
    this.editor.showProblems(problems);
    const count = problems.length === 0 ? h('span', { class: 'good' }, '✓ valid') : h('span', { class: 'bad' }, `${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    fill(this.state, count);
    fill(
      this.problemList,
      problems.map((p) =>
        h('li', null, h('button', { type: 'button', class: 'problem', onclick: () => this.editor.reveal(p.line, p.column) }, h('span', { class: 'problem-at' }, `${p.line}:${p.column}`), p.message)),
      ),
    );
  }

  /** Registers the draft once the user has seen how it differs from the version registered now. */
  private async registerDraft(): Promise<void> {
    this.result.replaceChildren();
    const text = this.editor.value;
    const name = /^name:\s*["']?([A-Za-z0-9._-]+)/m.exec(text)?.[1];
    let registered: WorkflowVersion | undefined;
    try {
      // Looked up in the list first: asking for a workflow that does not exist yet is no error here.
      const known = name !== undefined && (await api((c) => c.listWorkflows())).some((w) => w.name === name);
      if (known) registered = await api((c) => c.getWorkflow(name));
    } catch (err) {
      return fill(this.result, h('span', { class: 'bad' }, describeError(err)));
    }
    openDialog({
      title: registered ? `Register a new version of ${name}?` : `Register the new workflow ${name ?? ''}?`,
      message: registered ? versionDiff(registered, text) : 'No workflow has this name yet: this will be its version 1.',
      confirm: 'Register',
      wide: registered !== undefined,
      run: async () => {
        try {
          const done = await api((c) => c.registerWorkflow(text));
          markSaved(text);
          fill(this.result, h('span', { class: 'good' }, done.created ? 'Registered ' : 'Already registered as '), link(workflowHref(done.name, done.version), `${done.name} v${done.version}`));
        } catch (err) {
          if (err instanceof ProblemError && err.errors.length > 0) this.showProblems(err.errors);
          fill(this.result, h('span', { class: 'bad' }, describeError(err)));
        }
      },
    });
  }
}

/** The draft against the latest registered version, as `diff -u` shows it. */
function versionDiff(registered: WorkflowVersion, text: string): HTMLElement {
  const lines = diffLines(registered.source, text);
  const added = lines.filter((l) => l.kind === 'added').length;
  const removed = lines.filter((l) => l.kind === 'removed').length;
  if (added + removed === 0) return h('p', null, `The draft is v${registered.version} as registered: registering it changes nothing.`);
  const mark = { same: ' ', added: '+', removed: '-' } as const;
  return h(
    'div',
    null,
    h('p', null, `Against v${registered.version}, the version registered now: `, h('span', { class: 'good' }, `+${added}`), ' ', h('span', { class: 'bad' }, `−${removed}`), ` line${added + removed === 1 ? '' : 's'}.`),
    h(
      'pre',
      { class: 'code diff', 'aria-label': `Changes against v${registered.version}` },
      hunks(lines).map((hunk) => [
        h('span', { class: 'diff-hunk' }, `@@ -${hunk.oldStart} +${hunk.newStart} @@`),
        hunk.lines.map((l) => h('span', { class: `diff-${l.kind}` }, `${mark[l.kind]} ${l.text}`)),
      ]),
    ),
  );
}
