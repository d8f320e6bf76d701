/**
 * `segue task-token <success|failure|heartbeat> <token>`: sends the task token of a step that
 * waits for a callback (ASL's `.waitForTaskToken`) back to a running server (`--server`, or
 * SEGUE_URL), as Step Functions' SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat do.
 */
import type { TaskTokenFailure } from '../client/http-client.js';
import { jsonArgument } from './args.js';
import { subcommandsCommand, type Subcommand } from './subcommands.js';

const SUBCOMMANDS: Record<string, Subcommand> = {
  success: {
    usage: 'success <token> [--output <json|@file>]',
    args: ['token'],
    options: { output: { type: 'string' } },
    run: async ({ client, args, values }) => {
      const output = (await jsonArgument(values.output, 'output')) ?? null;
      await client.sendTaskSuccess(args[0]!, output);
      return { json: { accepted: true }, text: 'the step has its result\n' };
    },
  },
  failure: {
    usage: 'failure <token> [--error <name>] [--cause <text>]',
    args: ['token'],
    options: { error: { type: 'string' }, cause: { type: 'string' } },
    run: async ({ client, args, values }) => {
      const failure: TaskTokenFailure = {};
      if (typeof values.error === 'string') failure.error = values.error;
      if (typeof values.cause === 'string') failure.cause = values.cause;
      await client.sendTaskFailure(args[0]!, failure);
      return { json: { accepted: true }, text: `the step failed${failure.error ? ` with ${failure.error}` : ''}\n` };
    },
  },
  heartbeat: {
    usage: 'heartbeat <token>',
    args: ['token'],
    run: async ({ client, args }) => {
      await client.sendTaskHeartbeat(args[0]!);
      return { json: { accepted: true }, text: "the step's heartbeat clock started again\n" };
    },
  },
};

export const taskTokenCommand = subcommandsCommand(
  'task-token',
  'send the task token of a step waiting for a callback back to a server (success, failure, heartbeat)',
  SUBCOMMANDS,
);
