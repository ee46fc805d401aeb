import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientNats, MessagePattern } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { JSONCodec, connect } from 'nats';
import { requestBusContract } from '../testing/request-bus.contract';
import { DrainingNatsServer, ClienteleNatsClient } from './namespaced-nats';
import { ClientProxyRequestClient } from './request-client';

const servers = [process.env.NATS_URL ?? 'nats://127.0.0.1:4222'];
requestBusContract('NATS', {
  serverOptions: () => ({ strategy: new DrainingNatsServer({ servers, queue: 'contract-tests' }, { drainTimeoutMs: 5000 }) }),
  client: () => new ClienteleNatsClient({ servers }),
});

requestBusContract('NATS, namespaced', {
  serverOptions: () => ({ strategy: new DrainingNatsServer({ servers, queue: 'contract-tests' }, { namespace: 'contract-ns', drainTimeoutMs: 5000 }) }),
  client: () => new ClienteleNatsClient({ servers }, 'contract-ns'),
});

describe('A stopping NATS request server', () => {
  const subject = `t${randomUUID().replace(/-/g, '').slice(0, 10)}.cmd.slow`;
  let started = 0;

  @Controller()
  class SlowHandlers {
    @MessagePattern(subject)
    async slow(): Promise<string> {
      started++;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      return 'answered';
    }
  }

  @Module({ controllers: [SlowHandlers] })
  class SlowModule {}

  it('answers every request it took before it closes, even one slower than a fixed grace period, and takes no new ones', async () => {
    const server = new DrainingNatsServer({ servers, queue: 'drain-test' }, { drainTimeoutMs: 5000 });
    const app: INestMicroservice = await NestFactory.createMicroservice(SlowModule, { strategy: server, logger: false });
    await app.listen();
    const proxy = new ClientNats({ servers });
    await proxy.connect();
    const client = new ClientProxyRequestClient(proxy, 5000);
    try {
      const taken = client.request(subject, {});
      while (started === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(server.requestsInFlight).toBe(1);
      const closing = app.close();
      // Once it drained, a new request finds nobody (no other replica here) instead of being lost in a closing server.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(client.request(subject, {}, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'unavailable' });
      await expect(taken).resolves.toBe('answered');
      await closing;
      expect(started).toBe(1);
      expect(server.requestsInFlight).toBe(0);
    } finally {
      await proxy.close();
    }
  }, 15_000);
});

describe('A NATS request with traces on', () => {
  it("carries the asking span's traceparent as a NATS header, not in the payload", async () => {
    const subject = `t${randomUUID().replace(/-/g, '').slice(0, 10)}.qry.traced`;
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const codec = JSONCodec<{ id: string; data: unknown }>();
    const raw = await connect({ servers });
    const seen: Array<{ header: string | undefined; data: unknown }> = [];
    const subscription = raw.subscribe(subject);
    void (async () => {
      for await (const message of subscription) {
        const packet = codec.decode(message.data);
        seen.push({ header: message.headers?.get('traceparent'), data: packet.data });
        message.respond(JSONCodec().encode({ id: packet.id, response: 'ok', isDisposed: true }));
      }
    })();
    const proxy = new ClienteleNatsClient({ servers });
    await proxy.connect();
    try {
      const client = new ClientProxyRequestClient(proxy, 5000);
      await raw.flush();
      // What the request client sends when a span is in hand (withTraceparent).
      await expect(client.request(subject, { data: { n: 1 }, traceparent })).resolves.toBe('ok');
      await expect(client.request(subject, { data: { n: 2 } })).resolves.toBe('ok');
      expect(seen).toEqual([
        { header: traceparent, data: { data: { n: 1 } } },
        { header: undefined, data: { data: { n: 2 } } },
      ]);
    } finally {
      await proxy.close();
      subscription.unsubscribe();
      await raw.close();
    }
  });
});
