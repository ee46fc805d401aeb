import type { JetStreamManager } from 'nats';

/**
 * Raises a JetStream stream (a bus stream, or the `KV_<bucket>` stream under a key-value bucket) to
 * `replicas` copies when it has fewer. The client creates a stream with the replicas it is asked
 * for, but finds an existing one as it is: a deployment that moves from one NATS server to a
 * cluster, or that turns CLIENTELE_BUS_REPLICAS up, would otherwise keep a single copy of what it
 * already had, and lose it with that one node. JetStream changes the replica count in place; a
 * stream is never scaled down here, so a replica started with an older setting cannot undo it.
 */
export async function ensureStreamReplicas(jsm: JetStreamManager, stream: string, replicas: number): Promise<void> {
  const info = await jsm.streams.info(stream);
  if ((info.config.num_replicas ?? 1) >= replicas) return;
  await jsm.streams.update(stream, { ...info.config, num_replicas: replicas });
}

/**
 * Runs a JetStream set-up step (creating or raising a stream, a bucket, a consumer) again while
 * the cluster answers that it is busy: a request timeout (a cluster under load placing a new
 * replicated stream's copies and electing its leader can take longer than the client's 5 s), no
 * responders, or "JetStream temporarily unavailable" (no meta leader yet, e.g. while a node
 * restarts). The steps are idempotent. Without this, a replica starting beside its peers on a busy
 * cluster exited with "NatsError: TIMEOUT" (the production rehearsal found it).
 */
export async function retryJetStreamSetup<T>(work: () => Promise<T>, options: { deadlineMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientJetStreamError(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * attempt)));
    }
  }
}

/** A JetStream answer that says "not now" rather than "no". */
export function isTransientJetStreamError(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  return code === 'TIMEOUT' || code === '503' || /temporarily unavailable|no responders|timeout/i.test(message);
}
