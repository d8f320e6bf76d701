/**
 * A plain-text YAML editor that shows problems where they are: a red dot in the gutter, a wavy
 * line under the spot, and the message after the end of the line. The text is a textarea; the
 * marks are drawn on a backdrop behind it, laid out with the same font, and scrolled with it.
 */
import type { Problem } from '../../definitions/model.js';
import { h } from './dom.js';
import { EditorAssist, type EditorHelp } from './editor-assist.js';

const INDENT = '  ';

export class YamlEditor {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly backdrop = h('div', { class: 'editor-backdrop', 'aria-hidden': 'true' });
  private readonly gutter = h('div', { class: 'editor-gutter', 'aria-hidden': 'true' });
  private problems: Problem[] = [];
  /** Esc was the last key: the next Tab leaves the editor instead of indenting. */
  private leaving = false;
  private assist?: EditorAssist;

  constructor(text: string, onChange: (text: string) => void) {
    this.input = h('textarea', { class: 'editor-input', wrap: 'off', spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', 'aria-label': 'Workflow definition (YAML)', 'aria-describedby': 'editor-hint' });
    this.input.value = text;
    this.element = h(
      'div',
      { class: 'editor-box' },
      h('div', { class: 'editor' }, h('div', { class: 'editor-gutter-box' }, this.gutter), h('div', { class: 'editor-body' }, this.backdrop, this.input)),
      h('p', { class: 'editor-hint', id: 'editor-hint' }, 'Tab indents; Esc then Tab leaves the editor.'),
    );
    this.input.addEventListener('input', () => {
      this.paint();
      onChange(this.input.value);
    });
    this.input.addEventListener('scroll', () => this.follow());
    this.input.addEventListener('keydown', (event) => {
      if (this.assist?.keydown(event)) this.leaving = false;
      else this.indent(event);
    });
    this.paint();
  }

  /** Completion and key descriptions (loaded after the editor shows). */
  useHelp(help: EditorHelp): void {
    this.assist = new EditorAssist(this.input, this.element, help);
    this.element.append(this.assist.list, this.assist.tooltip, this.assist.doc);
  }

  get value(): string {
    return this.input.value;
  }

  /** Replaces the whole text, as if typed. */
  replace(text: string): void {
    this.input.value = text;
    this.input.dispatchEvent(new Event('input'));
  }

  showProblems(problems: Problem[]): void {
    this.problems = problems;
    this.paint();
  }

  /** Puts the caret at a problem's place. */
  reveal(line: number, column: number): void {
    const lines = this.input.value.split('\n');
    const before = lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0);
    const at = before + Math.max(0, column - 1);
    this.input.focus();
    this.input.setSelectionRange(at, at);
    const lineHeight = parseFloat(getComputedStyle(this.input).lineHeight) || 20;
    this.input.scrollTop = Math.max(0, (line - 4) * lineHeight);
  }

  private paint(): void {
    const lines = this.input.value.split('\n');
    const byLine = new Map<number, Problem[]>();
    for (const p of this.problems) {
      const line = Math.min(Math.max(p.line, 1), lines.length);
      byLine.set(line, [...(byLine.get(line) ?? []), p]);
    }
    this.backdrop.replaceChildren(...lines.map((text, i) => backdropLine(text, byLine.get(i + 1))));
    this.gutter.replaceChildren(
      ...lines.map((_, i) => {
        const here = byLine.get(i + 1);
        return h('div', { class: here ? 'gutter-line has-problem' : 'gutter-line', title: here ? here.map((p) => p.message).join('\n') : null }, String(i + 1));
      }),
    );
    this.follow();
  }

  private follow(): void {
    this.backdrop.style.transform = `translate(${-this.input.scrollLeft}px, ${-this.input.scrollTop}px)`;
    this.gutter.style.transform = `translateY(${-this.input.scrollTop}px)`;
  }

  /** Tab indents with spaces (YAML takes no tabs), except right after Esc: keyboard users get out that way. */
  private indent(event: KeyboardEvent): void {
    const leaving = this.leaving;
    this.leaving = event.key === 'Escape';
    if (event.key !== 'Tab' || leaving || event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    this.input.setRangeText(INDENT, this.input.selectionStart, this.input.selectionEnd, 'end');
    this.input.dispatchEvent(new Event('input'));
  }
}

/** A line of the backdrop: its text (invisible), the spot underlined, then the messages. */
function backdropLine(text: string, problems: Problem[] | undefined): HTMLElement {
  if (!problems) return h('div', { class: 'backdrop-line' }, text);
  const column = Math.min(Math.max(problems[0]!.column, 1), text.length + 1) - 1;
  const token = /^\S*/.exec(text.slice(column))![0] || ' ';
  return h(
    'div',
    { class: 'backdrop-line has-problem' },
    text.slice(0, column),
    h('span', { class: 'squiggle' }, token),
    text.slice(column + token.length),
    h('span', { class: 'lens' }, problems.map((p) => p.message).join('  ·  ')),
  );
}
