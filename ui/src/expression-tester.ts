/**
 * The expression tester of an instance's page: a JSONata expression evaluated by the server
 * (`POST /v1/instances/{id}/evaluate`) against the instance's data or the data of a step it is at
 * now, with the engine's own bindings and limits. A failure is shown at its place in the text.
 */
import type { InstanceView } from '../../client/http-client.js';
import { api, describeError } from './api.js';
import { codeBlock, fill, formatJson, h } from './dom.js';
import type { EvaluationAnswer, EvaluationRequest } from '../../protocol/evaluation.js';

/** The value of the "data of" choice: '' for the instance's data, else `step` or `step#index`. */
function targetValue(step: string, index: number | undefined): string {
  return index === undefined ? step : `${step}#${index}`;
}

function requestFor(expression: string, target: string): EvaluationRequest {
  if (target === '') return { expression };
  const [step, index] = target.split(/#(?=\d+$)/);
  return index === undefined ? { expression, step: step! } : { expression, step: step!, index: Number(index) };
}

export class ExpressionTester {
  private readonly target = h('select', { name: 'target', 'aria-label': 'Evaluate against' });
  private readonly text = h('textarea', { name: 'expression', class: 'mono', rows: 3, spellcheck: 'false', placeholder: 'e.g. $sum(lines.(qty * price))', 'aria-label': 'Expression' });
  private readonly answer = h('div', { class: 'evaluation', 'aria-live': 'polite' });
  private readonly run = h('button', { type: 'submit', class: 'button primary' }, 'Evaluate');
  readonly element: HTMLElement;

  constructor(private readonly id: string) {
    const form = h(
      'form',
      { class: 'expression-form', 'aria-label': 'Expression tester' },
      h('label', { class: 'field' }, h('span', null, 'Against the data of'), this.target),
      h('label', { class: 'field' }, h('span', null, 'JSONata expression (Ctrl+Enter evaluates)'), this.text),
      h('div', { class: 'filter-buttons' }, this.run),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.evaluate();
    });
    this.text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.evaluate();
      }
    });
    this.element = h(
      'section',
      { class: 'card', id: 'expression-tester' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Expression tester'), h('span', { class: 'muted' }, 'Evaluated by the server, with the bindings and limits of the steps; nothing changes.')),
      form,
      this.answer,
    );
  }

  /** The choices follow the steps the instance is at; the one picked stays while it is there. */
  update(instance: InstanceView): void {
    const picked = this.target.value;
    const options = [{ value: '', label: "the instance's data" }];
    for (const c of instance.current) {
      const where = c.index !== undefined ? ` · item ${c.index}` : c.branch !== undefined ? ` · ${c.branch}` : '';
      options.push({ value: targetValue(c.step, c.index), label: `step ${c.step}${where}` });
    }
    const values = options.map((o) => o.value);
    if (values.join('\n') === Array.from(this.target.options, (o) => o.value).join('\n')) return;
    fill(this.target, options.map((o) => h('option', { value: o.value, selected: o.value === picked }, o.label)));
    if (!values.includes(picked)) this.target.value = '';
  }

  private async evaluate(): Promise<void> {
    const expression = this.text.value;
    if (expression.trim() === '') return fill(this.answer, h('p', { class: 'muted' }, 'Type an expression first.'));
    this.run.disabled = true;
    try {
      const answer = await api((c) => c.evaluate(this.id, requestFor(expression, this.target.value)));
      fill(this.answer, showAnswer(expression, answer));
    } catch (err) {
      fill(this.answer, h('div', { class: 'error-box', role: 'alert' }, describeError(err)));
    } finally {
      this.run.disabled = false;
    }
  }
}

function showAnswer(expression: string, answer: EvaluationAnswer): HTMLElement {
  if (answer.ok) {
    if (!('result' in answer)) return h('p', { class: 'muted result-none' }, 'It selects nothing (no value: a template field would get null, a condition false).');
    return h('div', null, h('h3', null, 'Result'), codeBlock(formatJson(answer.result), 'json'));
  }
  const { message, code, position } = answer.error;
  return h(
    'div',
    { class: 'evaluation-error', role: 'alert' },
    h('p', { class: 'error-line' }, code ? h('strong', null, `${code}: `) : null, message, position !== undefined ? ` (at character ${position + 1})` : ''),
    position !== undefined ? pointAt(expression, position) : null,
  );
}

/** The line of the expression the failure is on, with its character marked and a caret under it. */
function pointAt(expression: string, position: number): HTMLElement {
  const start = expression.lastIndexOf('\n', position - 1) + 1;
  const endAt = expression.indexOf('\n', position);
  const line = expression.slice(start, endAt === -1 ? undefined : endAt);
  const column = position - start;
  return h(
    'pre',
    { class: 'code error-at', 'data-position': position },
    line.slice(0, column),
    h('mark', null, line.slice(column, column + 1) || ' '),
    line.slice(column + 1),
    '\n',
    ' '.repeat(column),
    '^',
  );
}
