import { connect } from 'nats';

/** Removes the streams and buckets (dead letters, redeliveries, leases) a namespaced test run left on the shared NATS server. */
export async function removeNamespace(namespace: string): Promise<void> {
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  try {
    const jsm = await nc.jetstreamManager();
    const prefix = namespace.toUpperCase().replace(/-/g, '_');
    const names: string[] = [];
    for await (const stream of jsm.streams.list()) names.push(stream.config.name);
    for (const name of names) {
      if (name.startsWith(`${prefix}_`) || name.startsWith(`KV_${namespace}-`)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
