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
