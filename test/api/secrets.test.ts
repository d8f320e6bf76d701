/** Secrets from the environment of a real server: a worker gets the value, the instance only its placeholder. */
import { describe, expect, it } from 'vitest';
import { finishedOn, serverForFile } from '../helpers/server.js';

const TOKEN = 'ft-live-0123456789';

const server = serverForFile(
  [
    `name: uses-secret
steps:
  - name: call
    type: task
    task: secret.call
    input: { auth: "Bearer \${ $secret('ft_token') }" }
  - name: done
    type: succeed
    output: { echoed: "\${ call.echoed }", seen: "\${ $secret('ft_token') }" }
`,
  ],
  { env: { SEGUE_SECRET_FT_TOKEN: TOKEN } },
);

describe('a secret set as SEGUE_SECRET_FT_TOKEN', () => {
  it('reaches the worker, and comes back as «secret:ft_token», the name the docs and the workflow use', async () => {
    const { client } = server();
    const view = await client.startInstance('uses-secret');
    const [task] = await client.poll({ types: ['secret.call'], worker: 'w', wait: '5s' });
    expect(task?.input).toEqual({ auth: `Bearer ${TOKEN}` });
    await client.complete(task!.token, { echoed: (task!.input as { auth: string }).auth });
    const done = await finishedOn(client, view.id);
    expect(done.output).toEqual({ echoed: 'Bearer «secret:ft_token»', seen: '«secret:ft_token»' });
    expect(JSON.stringify([done, await client.history(view.id)])).not.toContain(TOKEN);
  });
});
