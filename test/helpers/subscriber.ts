/** A webhook subscriber for tests: a real HTTP server on 127.0.0.1 that records what it receives. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; subject: string; sequence: string; data: Record<string, unknown> };
}

export interface Subscriber {
  url: string;
  received: ReceivedEvent[];
  /** The status it answers with (200 unless set); `hang` holds requests unanswered until it is set otherwise. */
  answer: number | 'hang';
  close(): Promise<void>;
}

export async function startSubscriber(): Promise<Subscriber> {
  const held: ServerResponse[] = [];
  const s = { received: [] as ReceivedEvent[], answer: 200 as number | 'hang' } as Subscriber;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      s.received.push({ headers: req.headers, body, event: JSON.parse(body) });
      if (s.answer === 'hang') held.push(res);
      else res.writeHead(s.answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  s.close = () =>
    new Promise((resolve) => {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return s;
}

/** "<instance> <type>" of each event received, in order, repeats left out. */
export function receivedOnce(s: Subscriber): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { event } of s.received) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    out.push(`${event.subject} ${event.type}`);
  }
  return out;
}
