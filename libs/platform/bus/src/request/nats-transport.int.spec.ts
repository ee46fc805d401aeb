import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientNats, MessagePattern } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { requestBusContract } from '../testing/request-bus.contract';
import { DrainingNatsServer, NamespacedNatsClient } from './namespaced-nats';
import { ClientProxyRequestClient } from './request-client';

const servers = [process.env.NATS_URL ?? 'nats://127.0.0.1:4222'];
requestBusContract('NATS', {
  serverOptions: () => ({ strategy: new DrainingNatsServer({ servers, queue: 'contract-tests' }, { drainTimeoutMs: 5000 }) }),
  client: () => new ClientNats({ servers }),
});

requestBusContract('NATS, namespaced', {
  serverOptions: () => ({ strategy: new DrainingNatsServer({ servers, queue: 'contract-tests' }, { namespace: 'contract-ns', drainTimeoutMs: 5000 }) }),
  client: () => new NamespacedNatsClient({ servers }, 'contract-ns'),
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
