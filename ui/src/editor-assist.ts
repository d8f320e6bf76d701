/**
 * The editor's help, on its textarea: a completion list at the caret (as a word is typed, or on
 * Ctrl+Space; arrows choose, Enter or Tab takes, Esc closes), the description of the key at the
 * caret on a line under the editor, and the same in a tooltip over the key under the mouse.
 */
import { fill, h } from './dom.js';
import type { Completion } from './schema-help.js';

export interface EditorHelp {
  complete(text: string, offset: number): Completion | undefined;
  describeKey(text: string, offset: number, onLine?: boolean): { where: string; doc: string } | undefined;
}

export class EditorAssist {
  readonly list = h('ul', { class: 'completion', role: 'listbox', id: 'editor-completion', 'aria-label': 'Suggestions', hidden: true });
  readonly doc = h('p', { class: 'editor-doc', 'aria-live': 'polite' });
  readonly tooltip = h('div', { class: 'editor-tooltip', role: 'tooltip', hidden: true });
  private open?: Completion;
  private chosen = 0;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly box: HTMLElement,
    private readonly help: EditorHelp,
  ) {
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', this.list.id);
    input.addEventListener('input', (event) => {
      const typed = (event as InputEvent).inputType === 'insertText' && /^[\w$-]$/.test((event as InputEvent).data ?? '');
      if (typed || this.open) this.suggest();
      this.describeCaret();
    });
    for (const type of ['click', 'keyup']) input.addEventListener(type, () => this.describeCaret());
    input.addEventListener('blur', () => this.close());
    input.addEventListener('mousemove', (event) => this.hover(event));
    input.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    input.addEventListener('scroll', () => this.close());
  }

  /** Handles the keys the list takes while it is open, and Ctrl+Space; true when it took the key. */
  keydown(event: KeyboardEvent): boolean {
    if (event.key === ' ' && event.ctrlKey) {
      event.preventDefault();
      this.suggest();
      return true;
    }
    if (!this.open) return false;
    const count = this.open.items.length;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        this.chosen = (this.chosen + (event.key === 'ArrowDown' ? 1 : count - 1)) % count;
        this.render();
        break;
      case 'Enter':
      case 'Tab':
        this.take(this.chosen);
        break;
      case 'Escape':
        this.close();
        break;
      default:
        return false;
    }
    event.preventDefault();
    return true;
  }

  private suggest(): void {
    const offset = this.input.selectionStart;
    this.open = this.input.selectionEnd === offset ? this.help.complete(this.input.value, offset) : undefined;
    this.chosen = 0;
    if (!this.open) return this.close();
    this.render();
    const { left, top } = this.caretPoint(this.open.from);
    this.list.style.left = `${left}px`;
    this.list.style.top = `${top}px`;
  }

  private render(): void {
    const items = this.open!.items;
    fill(
      this.list,
      items.map((item, i) =>
        h(
          'li',
          { role: 'option', id: `editor-completion-${i}`, 'aria-selected': String(i === this.chosen), class: i === this.chosen ? 'chosen' : null, title: item.detail,
            // mousedown, not click: the textarea keeps the focus (and the caret).
            onmousedown: (e: Event) => (e.preventDefault(), this.take(i)) },
          h('span', { class: 'completion-label' }, item.label),
          item.detail ? h('span', { class: 'completion-detail' }, item.detail) : null,
        ),
      ),
    );
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.input.setAttribute('aria-activedescendant', `editor-completion-${this.chosen}`);
    this.list.children[this.chosen]?.scrollIntoView({ block: 'nearest' });
  }

  private take(i: number): void {
    const { from, to, items } = this.open!;
    this.close();
    this.input.setRangeText(items[i]!.insert, from, to, 'end');
    this.input.dispatchEvent(new Event('input'));
    // A key just taken: what its value can be, if the schema knows.
    this.suggest();
  }

  private close(): void {
    this.open = undefined;
    this.list.hidden = true;
    this.input.removeAttribute('aria-activedescendant');
    this.input.setAttribute('aria-expanded', 'false');
  }

  private describeCaret(): void {
    const found = this.help.describeKey(this.input.value, this.input.selectionStart, true);
    fill(this.doc, found ? [h('code', null, found.where), ` — ${found.doc}`] : '');
  }

  private hover(event: MouseEvent): void {
    const offset = this.offsetAt(event.offsetX, event.offsetY);
    const found = offset === undefined ? undefined : this.help.describeKey(this.input.value, offset);
    this.tooltip.hidden = !found;
    if (!found) return;
    fill(this.tooltip, h('code', null, found.where), h('div', null, found.doc));
    const box = this.box.getBoundingClientRect();
    this.tooltip.style.left = `${Math.min(event.clientX - box.left + 12, box.width - 260)}px`;
    this.tooltip.style.top = `${event.clientY - box.top + 18}px`;
  }

  private metrics(): { char: number; line: number; padLeft: number; padTop: number } {
    const style = getComputedStyle(this.input);
    const canvas = document.createElement('canvas').getContext('2d')!;
    canvas.font = `${style.fontSize} ${style.fontFamily}`;
    return { char: canvas.measureText('0000000000').width / 10, line: parseFloat(style.lineHeight) || 20, padLeft: parseFloat(style.paddingLeft), padTop: parseFloat(style.paddingTop) };
  }

  /** The text offset under a point of the textarea (its own coordinates), if on a line. */
  private offsetAt(x: number, y: number): number | undefined {
    const m = this.metrics();
    const lines = this.input.value.split('\n');
    const line = Math.floor((y + this.input.scrollTop - m.padTop) / m.line);
    const col = Math.floor((x + this.input.scrollLeft - m.padLeft) / m.char);
    if (line < 0 || line >= lines.length || col < 0 || col > lines[line]!.length) return undefined;
    return lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + col;
  }

  /** Where, in the box, the list goes for a word starting at `offset`: under its line. */
  private caretPoint(offset: number): { left: number; top: number } {
    const m = this.metrics();
    const before = this.input.value.slice(0, offset).split('\n');
    const input = this.input.getBoundingClientRect();
    const box = this.box.getBoundingClientRect();
    return {
      left: Math.max(0, Math.min(input.left - box.left + m.padLeft + before.at(-1)!.length * m.char - this.input.scrollLeft, box.width - 280)),
      top: input.top - box.top + m.padTop + before.length * m.line - this.input.scrollTop,
    };
  }
}
