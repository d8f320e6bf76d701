// A subscriber of Segue's lifecycle events: verifies each delivery's Standard Webhooks signature,
// drops repeats (delivery is at least once), and prints the CloudEvent.
// SEGUE_WEBHOOK_SECRET is the secret the subscription was created with; PORT where to listen.
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.SEGUE_WEBHOOK_SECRET);
const seen = new Set(); // keep these in your database: the webhook-id of a repeat is the same

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    let event;
    try {
      event = webhook.verify(body, req.headers); // throws on a bad signature or an old timestamp
    } catch {
      return res.writeHead(401).end();
    }
    if (!seen.has(event.id)) {
      seen.add(event.id);
      console.log(`${event.type} ${event.subject} ${JSON.stringify(event.data)}`);
    }
    res.writeHead(204).end(); // any 2xx: delivered; anything else is retried with backoff
  });
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('subscriber listening'));
