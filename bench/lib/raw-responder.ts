/**
 * The NATS side of the raw floors of the distributed command scenarios, each in a process of its
 * own as a service would be (bench/servers/raw-append-responder.ts, raw-pg-append-responder.ts):
 * nothing but a nats.js subscription that parses each request, appends its data, and answers.
 */
import { connect } from 'nats';

/**
 * Answers each request on `subject` with `{ ok: true, position }` for what `append` answers for its
 * data (a synchronous `append` in the same callback, as a raw responder would), or `{ ok: false,
 * error }` when an asynchronous one fails: the caller fails on an answer that is not ok. Sends
 * 'ready' to the parent once subscribed; on SIGTERM closes the connection, then `close`, and exits.
 */
export async function serveRawAppends(subject: string, append: (data: string) => number | string | Promise<number | string>, close: () => unknown): Promise<void> {
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const answer = (msg: { respond(data: Uint8Array): boolean }, body: object) => msg.respond(encoder.encode(JSON.stringify(body)));
  nc.subscribe(subject, {
    callback: (_error, msg) => {
      const request = JSON.parse(decoder.decode(msg.data)) as { data: unknown };
      const position = append(JSON.stringify(request.data));
      if (!(position instanceof Promise)) answer(msg, { ok: true, position });
      else
        position.then(
          (appended) => answer(msg, { ok: true, position: appended }),
          (error: unknown) => answer(msg, { ok: false, error: String((error as Error)?.message ?? error) }),
        );
    },
  });
  await nc.flush();
  process.send?.('ready');
  process.on('SIGTERM', () => {
    void nc.close().finally(async () => {
      try {
        await close();
      } finally {
        process.exit(0);
      }
    });
  });
}
