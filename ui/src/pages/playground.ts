/**
 * The authoring playground: YAML on the left, checked by the server as you type (POST
 * /v1/validate, the messages of `segue validate`), the state machine on the right, and a button
 * to register it. The draft survives navigation within the tab.
 */
import type { Problem } from '../../../definitions/model.js';
import { api, describeError, ProblemError, validate } from '../api.js';
import { fill, h } from '../dom.js';
import { YamlEditor } from '../editor.js';
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

  private async registerDraft(): Promise<void> {
    this.result.replaceChildren();
    try {
      const text = this.editor.value;
      const done = await api((c) => c.registerWorkflow(text));
      markSaved(text);
      fill(this.result, h('span', { class: 'good' }, done.created ? 'Registered ' : 'Already registered as '), link(workflowHref(done.name, done.version), `${done.name} v${done.version}`));
    } catch (err) {
      if (err instanceof ProblemError && err.errors.length > 0) this.showProblems(err.errors);
      fill(this.result, h('span', { class: 'bad' }, describeError(err)));
    }
  }
}
