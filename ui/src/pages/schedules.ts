/**
 * Schedules (GET /v1/schedules): each with its cron expression, its next fire times and its
 * recent fires linked to the instances they started; pause, resume and trigger, each asked first.
 * A schedule's page shows all of it, and both pages look again every few seconds.
 */
import type { ScheduleAction, ScheduleFire, ScheduleView } from '../../../client/http-client.js';
import { api } from '../api.js';
import { card, codeBlock, fact, fill, formatJson, formatTime, h, stackedTable } from '../dom.js';
import { actionButton } from '../dialog.js';
import { Poller } from '../poller.js';
import { errorBox, instanceHref, link, pageHeader, workflowHref, type Page } from './page.js';

const ACTIONS: Record<ScheduleAction, { label: string; explain: string }> = {
  pause: { label: 'Pause', explain: 'Nothing fires until it is resumed.' },
  resume: { label: 'Resume', explain: 'It fires again from now on; the fires missed while it was paused are not made up.' },
  trigger: { label: 'Trigger', explain: 'It starts an instance now, whatever its cron expression says, as a fire would.' },
};

export function scheduleHref(id: string): string {
  return `#/schedules/${encodeURIComponent(id)}`;
}

/** Pause or Resume (as the schedule is), and Trigger; `done` runs after an action the API accepted. */
function actionButtons(schedule: ScheduleView, done: () => void): HTMLElement[] {
  return ([schedule.paused ? 'resume' : 'pause', 'trigger'] as ScheduleAction[]).map((action) =>
    actionButton(ACTIONS[action].label, action, action === 'trigger' ? 'primary' : '', () => ({
      title: `${ACTIONS[action].label} schedule?`,
      message: h('span', null, h('code', null, schedule.id), ` — ${ACTIONS[action].explain}`),
      confirm: `${ACTIONS[action].label} schedule`,
      run: async () => {
        await api((c) => c.scheduleAction(schedule.id, action));
        done();
      },
    })),
  );
}

function stateBadge(schedule: ScheduleView): HTMLElement {
  return h('span', { class: `badge ${schedule.paused ? 'status-suspended' : 'status-running'}` }, schedule.paused ? 'PAUSED' : 'ACTIVE');
}

function target(schedule: ScheduleView): HTMLElement {
  return h('span', null, link(workflowHref(schedule.workflow, schedule.version ?? undefined), schedule.workflow), h('span', { class: 'version' }, schedule.version === null ? 'latest' : `v${schedule.version}`));
}

function fireOutcome(fire: ScheduleFire): HTMLElement {
  const instance = fire.instanceId ? link(instanceHref(fire.instanceId), fire.instanceId) : null;
  return h('span', null, h('span', { class: `fire fire-${fire.outcome}` }, fire.outcome), instance ? [' ', instance] : null);
}

export const schedulesPage: Page = {
  section: 'schedules',
  title: () => 'Schedules',
  render: async (main, _route, leave) => {
    const poller = new Poller(async () => {
      const header = pageHeader('Schedules', 'Cron schedules that start instances; pause, resume or fire one now.');
      let items: ScheduleView[];
      try {
        items = await api((c) => c.listSchedules());
      } catch (err) {
        fill(main, header, errorBox(err));
        return 'slow';
      }
      if (items.length === 0) {
        fill(main, header, h('div', { class: 'empty' }, 'No schedules. A workflow declares them under ', h('code', null, 'schedules:'), ', or POST /v1/schedules creates one.'));
        return 'slow';
      }
      const rows = items.map((s) =>
        h(
          'tr',
          { 'data-schedule': s.id },
          h('td', { class: 'mono' }, link(scheduleHref(s.id), s.id)),
          h('td', null, target(s)),
          h('td', null, h('code', null, s.cron), h('span', { class: 'muted' }, ` ${s.timezone}`)),
          h('td', null, stateBadge(s)),
          h('td', { class: 'nowrap next-fire' }, s.paused ? '—' : formatTime(s.nextFires[0])),
          h('td', null, s.recent[0] ? [h('span', { class: 'nowrap' }, formatTime(s.recent[0].fireTime)), ' ', fireOutcome(s.recent[0])] : h('span', { class: 'muted' }, 'never')),
          h('td', null, h('div', { class: 'row-actions' }, actionButtons(s, () => poller.hurry()))),
        ),
      );
      fill(main, header, h('div', { class: 'card flush' }, stackedTable(['Schedule', 'Workflow', 'Cron', 'State', 'Next fire', 'Last fire', ''], rows)));
      return 'slow';
    }, leave);
    await poller.run();
  },
};

export const schedulePage: Page = {
  section: 'schedules',
  title: (route) => `Schedule ${route.parts[1] ?? ''}`,
  render: async (main, route, leave) => {
    const id = route.parts[1]!;
    const poller = new Poller(async () => {
      let s: ScheduleView;
      try {
        s = await api((c) => c.getSchedule(id));
      } catch (err) {
        fill(main, pageHeader(h('span', { class: 'mono' }, id), null), errorBox(err));
        return 'slow';
      }
      const subtitle = h('span', { class: 'subtitle-row' }, stateBadge(s), target(s), s.note ? h('span', null, s.note) : null, h('span', { class: 'muted' }, s.origin === 'definition' ? 'declared by its workflow' : 'created through the API'));
      const settings = h(
        'dl',
        { class: 'facts' },
        fact('Cron', h('code', null, s.cron)),
        fact('Time zone', s.timezone),
        fact('Overlap', `${s.overlap} (when the instance of the last fire still runs)`),
        fact('Catch-up window', s.catchupWindow),
        fact('Buffered fire', s.buffered ? formatTime(s.buffered) : 'none'),
        fact('Updated', formatTime(s.updatedAt)),
      );
      const next = s.paused ? h('p', { class: 'muted' }, 'Paused: nothing fires until it is resumed.') : h('ol', { class: 'next-fires' }, s.nextFires.map((t) => h('li', null, formatTime(t))));
      const fires = s.recent.length === 0
        ? h('p', { class: 'muted' }, 'It has not fired yet.')
        : stackedTable(['Fire time', 'Outcome', 'Why'], s.recent.map((f) => h('tr', null, h('td', { class: 'nowrap' }, formatTime(f.fireTime)), h('td', null, fireOutcome(f)), h('td', { class: 'muted' }, f.reason ?? ''))), 'compact recent-fires');
      fill(
        main,
        pageHeader(h('span', { class: 'mono' }, s.id), subtitle, ...actionButtons(s, () => poller.hurry())),
        h('div', { class: 'split' }, card('Recent fires', fires), h('div', null, card('Next fires', next), card('Settings', settings, h('h3', { class: 'subhead' }, 'Input'), codeBlock(formatJson(s.input), 'json')))),
      );
      return 'slow';
    }, leave);
    await poller.run();
  },
};
