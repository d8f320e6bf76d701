/**
 * Many long polls at once are the server's normal load: they are answered when work arrives and
 * leave no warning behind (each call in flight listens for the server's shutdown).
 */
import { expect, it } from 'vitest';
import { eventually, serverForFile } from '../helpers/server.js';

const server = serverForFile([`name: poll-many
steps:
  - { name: work, type: task, task: poll.many }
`]);

it('answers 30 long polls held at once, with no listener warning on the server', async () => {
  const { client } = server();
  const polls = Array.from({ length: 30 }, (_, i) => client.poll({ types: ['poll.many'], worker: `w${i}`, max: 1, wait: '20s' }));
  // Every poll reached the server (it saw each worker) and waits there before the work arrives.
  await eventually(async () => ((await client.queues()).find((q) => q.queue === 'poll.many')?.workers.length === 30 ? true : undefined), {
    what: 'the 30 polls to reach the server',
  });
  for (let i = 0; i < 30; i += 1) await client.startInstance('poll-many', { id: `p-${i}` });
  const claimed = (await Promise.all(polls)).flat();
  expect(claimed.map((t) => t.instanceId).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `p-${i}`).sort());
  expect(server().stderr()).not.toContain('MaxListenersExceededWarning');
});
