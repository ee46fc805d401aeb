/**
 * Load generation for the system scenarios: closed-loop (N in flight), open-loop (a fixed arrival
 * rate, latency counted from the scheduled start so a stall is not hidden), a keep-alive HTTP
 * client lighter than fetch, and the raw NATS floor.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { connect } from 'nats';

export interface LoadResult {
  seconds: number;
  /** One per call, in ms. */
  latencies: number[];
  errors: number;
  firstError?: string;
}

/** Runs `work` `count` times with `concurrency` in flight; answers the wall time and each call's latency (ms). */
export async function runLoad(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t = process.hrtime.bigint();
        try {
          await work(i);
        } catch (error) {
          errors++;
          firstError ??= String((error as Error)?.message ?? error);
        }
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, errors, firstError };
}

/**
 * Starts `work` at a fixed rate whatever the answers do (open loop), `count` times. Each latency
 * runs from the call's scheduled start, not its actual one: a server that stalls makes the calls
 * queued behind the stall late, and that shows (no coordinated omission).
 */
export async function openLoop(count: number, perSecond: number, work: (i: number) => Promise<unknown>): Promise<LoadResult & { achievedPerSecond: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const intervalNs = 1e9 / perSecond;
  const started = process.hrtime.bigint();
  const running: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + BigInt(Math.round(i * intervalNs));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(
      work(i).then(
        () => void latencies.push(Number(process.hrtime.bigint() - due) / 1e6),
        (error) => {
          errors++;
          firstError ??= String((error as Error)?.message ?? error);
        },
      ),
    );
  }
  const issuedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(running);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, errors, firstError, achievedPerSecond: count / issuedSeconds };
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
}

/** A keep-alive JSON client: one agent, no per-request allocations beyond the request itself. */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(
    baseUrl: string,
    private readonly token?: string,
    maxSockets = 64,
  ) {
    this.url = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path,
          method,
          agent: this.agent,
          headers: {
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
            ...headers,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: response.statusCode ?? 0, body: parsed as T });
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  /** Fails on any status but the expected one, so that an error is never timed as a success. */
  async expect<T = unknown>(status: number, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const answer = await this.request<T>(method, path, body, headers);
    if (answer.status !== status) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    return answer.body;
  }

  close(): void {
    this.agent.destroy();
  }
}

export const natsUrl = () => process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** The raw NATS floor: nats.js request/reply to a responder that only echoes, in this process. */
export async function rawNatsRoundTrips(count: number, concurrency: number, payloadBytes = 200): Promise<LoadResult> {
  const nc = await connect({ servers: natsUrl() });
  const subject = `bench.echo.${randomUUID()}`;
  nc.subscribe(subject, { callback: (_err, msg) => msg.respond(msg.data) });
  const payload = new Uint8Array(payloadBytes).fill(120);
  try {
    await runLoad(Math.min(200, count), concurrency, () => nc.request(subject, payload, { timeout: 5000 }));
    return await runLoad(count, concurrency, () => nc.request(subject, payload, { timeout: 5000 }));
  } finally {
    await nc.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
