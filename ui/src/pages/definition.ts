/** One version of a workflow: its state machine drawn beside its source, and a start button. */
import type { WorkflowVersion } from '../../../client/http-client.js';
import type { Json } from '../../../definitions/model.js';
import { api, workflowGraph } from '../api.js';
import { fill, h } from '../dom.js';
import { openDialog } from '../dialog.js';
import { drawGraph, graphBox, legend, preloadGraphs } from '../graph-view.js';
import { replaceDraft } from './draft.js';
import { errorBox, instanceHref, pageHeader, workflowHref, type Page } from './page.js';

export const definitionPage: Page = {
  section: 'workflows',
  title: (route) => route.parts[1] ?? 'Workflow',
  render: async (main, route) => {
    preloadGraphs();
    const name = route.parts[1]!;
    const version = route.parts[2] === undefined ? undefined : Number(route.parts[2]);
    let workflow: WorkflowVersion;
    try {
      workflow = await api((c) => c.getWorkflow(name, version));
    } catch (err) {
      return fill(main, pageHeader(name, null), errorBox(err));
    }
    const box = graphBox();
    fill(
      main,
      pageHeader(workflow.name, subtitle(workflow), ...actions(workflow)),
      h(
        'div',
        { class: 'split' },
        h('section', { class: 'card graph-card' }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'State machine'), legend(false)), box),
        h('section', { class: 'card source-card' }, h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Definition')), sourceView(workflow.source)),
      ),
    );
    try {
      await drawGraph(box, await workflowGraph(workflow.name, workflow.version));
    } catch (err) {
      box.replaceChildren(errorBox(err));
    }
  },
};

function subtitle(workflow: WorkflowVersion): HTMLElement {
  const select = h('select', { class: 'version-select', 'aria-label': 'Version', onchange: (e: Event) => (location.hash = workflowHref(workflow.name, Number((e.target as HTMLSelectElement).value))) });
  for (const v of [...workflow.versions].reverse()) select.append(h('option', { value: v, selected: v === workflow.version }, `version ${v}`));
  return h('span', { class: 'subtitle-row' }, select, workflow.description ? h('span', null, workflow.description) : null);
}

function actions(workflow: WorkflowVersion): HTMLElement[] {
  const edit = (): void => replaceDraft(workflow.source, true, `opening ${workflow.name} v${workflow.version}`, () => (location.hash = '#/playground'));
  return [
    h('a', { class: 'button', href: `#/instances?workflow=${encodeURIComponent(workflow.name)}` }, 'Instances'),
    h('button', { type: 'button', class: 'button', onclick: edit }, 'Open in playground'),
    h('button', { type: 'button', class: 'button primary', onclick: () => startDialog(workflow) }, 'Start instance'),
  ];
}

function startDialog(workflow: WorkflowVersion): void {
  openDialog({
    title: `Start ${workflow.name} v${workflow.version}`,
    message: 'The input becomes the instance\'s data; it must match the workflow\'s input schema.',
    confirm: 'Start',
    fields: [
      { name: 'input', label: 'Input (JSON)', kind: 'json', value: '{}' },
      { name: 'id', label: 'Instance id (optional)', kind: 'text', placeholder: 'generated when empty' },
    ],
    run: async ({ input, id }) => {
      const view = await api((c) => c.startInstance(workflow.name, { input: input as Json, version: workflow.version, ...(id ? { id: id as string } : {}) }));
      location.hash = instanceHref(view.id);
    },
  });
}

/** The source with line numbers, as registered. */
export function sourceView(source: string): HTMLElement {
  const lines = source.replace(/\n$/, '').split('\n');
  return h('pre', { class: 'code source' }, lines.map((line, i) => h('span', { class: 'source-line' }, h('span', { class: 'ln' }, String(i + 1)), `${line}\n`)));
}
