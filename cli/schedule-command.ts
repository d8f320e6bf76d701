/**
 * `segue schedule <list|get|create|pause|resume|delete|trigger>`: cron schedules on a running
 * server (`--server`, or SEGUE_URL; default http://127.0.0.1:8080). Tables for people by default,
 * the server's JSON with `--json`. A refusal prints the problem's detail and exits 1.
 */
import type { Options, Values } from './client-commands.js';
import type { ScheduleAction, ScheduleSpec } from '../client/http-client.js';
import { UsageError, jsonArgument, positiveInteger } from './args.js';
import { formatSchedule, formatScheduleList } from './client-format.js';
import { deletion, listing, onId, subcommandsCommand, type Subcommand } from './subcommands.js';

const CREATE_OPTIONS: Options = {
  cron: { type: 'string' },
  timezone: { type: 'string' },
  input: { type: 'string' },
  overlap: { type: 'string' },
  catchup: { type: 'string' },
  id: { type: 'string' },
  version: { type: 'string' },
  note: { type: 'string' },
  paused: { type: 'boolean' },
};

const action = (name: ScheduleAction): Subcommand => onId(name, (client, id) => client.scheduleAction(id, name), formatSchedule);

const SUBCOMMANDS: Record<string, Subcommand> = {
  list: listing((client) => client.listSchedules(), formatScheduleList),
  get: onId('get', (client, id) => client.getSchedule(id), formatSchedule),
  create: {
    usage:
      'create <workflow> --cron <expression> [--timezone <zone>] [--input <json|@file>] [--overlap skip|buffer|allow|cancel|terminate] ' +
      '[--catchup <duration>] [--id <id>] [--version <n>] [--note <text>] [--paused]',
    args: ['workflow'],
    options: CREATE_OPTIONS,
    run: async ({ client, args, values }) => {
      const view = await client.createSchedule(await scheduleSpec(args[0]!, values));
      return { json: view, text: formatSchedule(view) };
    },
  },
  pause: action('pause'),
  resume: action('resume'),
  delete: deletion('schedule', (client, id) => client.deleteSchedule(id)),
  trigger: action('trigger'),
};

export const scheduleCommand = subcommandsCommand('schedule', 'manage cron schedules on a server (list, get, create, pause, resume, delete, trigger)', SUBCOMMANDS);

/** The options of `create` as a request; the server checks the cron expression, zone, policy and duration. */
async function scheduleSpec(workflow: string, values: Values): Promise<ScheduleSpec> {
  const { cron, timezone, input, overlap, catchup, id, note, version } = values as Record<string, string | undefined>;
  if (cron === undefined) throw new UsageError('give the cron expression with --cron, like --cron "0 9 * * MON-FRI"');
  const spec: ScheduleSpec = { workflow, cron };
  const json = await jsonArgument(input, 'input');
  if (json !== undefined) spec.input = json;
  if (timezone !== undefined) spec.timezone = timezone;
  if (overlap !== undefined) spec.overlap = overlap as ScheduleSpec['overlap'];
  if (catchup !== undefined) spec.catchupWindow = catchup;
  if (id !== undefined) spec.id = id;
  if (note !== undefined) spec.note = note;
  if (version !== undefined) spec.version = positiveInteger(version, 'version');
  if (values.paused === true) spec.paused = true;
  return spec;
}



