import { AppError, UnavailableError } from '@clientele/platform/core';
import { currentCorrelation } from '@clientele/platform/logging';
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy, MessagePattern, NatsOptions, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { Observable, of } from 'rxjs';
import { AnyClientProxy, ClientProxyRequestClient } from '../request/request-client';
import { RpcErrorFilter } from '../request/rpc-error.filter';

export interface RequestTransportUnderTest {
  /** Options for NestFactory.createMicroservice: a custom strategy or the NATS transport. */
  serverOptions(): CustomStrategy | NatsOptions;
  client(): AnyClientProxy;
}

/**
 * The request/reply contract, run against every transport. Handlers are real Nest
 * `@MessagePattern` methods, under subjects unique to this run so suites sharing one NATS server
 * never answer each other.
 */
export function requestBusContract(transportName: string, transport: RequestTransportUnderTest): void {
  describe(`Request/reply contract: ${transportName}`, () => {
    const service = `t${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const subject = (name: string) => `${service}.cmd.${name}`;
    let app: INestMicroservice;
    let proxy: AnyClientProxy;
    let client: ClientProxyRequestClient;
    let slowCalls = 0;
    let slowDone: Promise<unknown> = Promise.resolve();

    @Controller()
    class TestHandlers {
      @MessagePattern(subject('echo'))
      echo(@Payload() payload: unknown) {
        return { echoed: payload };
      }

      @MessagePattern(subject('observable'))
      observable(): Observable<string> {
        return of('from an observable');
      }

      @MessagePattern(subject('refuse'))
      async refuse(): Promise<never> {
        throw new AppError('seat_limit_reached', 'All 3 client seats are taken; free one or raise the limit.', [
          { field: 'type', message: 'no seat' },
        ]);
      }

      @MessagePattern(subject('crash'))
      crash(): never {
        throw new Error('database password is hunter2');
      }

      @MessagePattern(subject('slow'))
      async slow() {
        slowCalls++;
        slowDone = new Promise((resolve) => setTimeout(resolve, 1000));
        await slowDone;
        return 'late';
      }

      @MessagePattern(subject('nothing'))
      nothing(): void {
        return undefined;
      }

      /** The correlation id the handler's log lines carry, after an await as well. */
      @MessagePattern(subject('correlation'))
      async correlation() {
        const before = currentCorrelation()?.correlationId;
        await new Promise((resolve) => setImmediate(resolve));
        return { before, after: currentCorrelation()?.correlationId };
      }
    }

    @Module({ controllers: [TestHandlers] })
    class TestModule {}

    beforeAll(async () => {
      app = await NestFactory.createMicroservice(TestModule, { ...transport.serverOptions(), logger: false });
      app.useGlobalFilters(new RpcErrorFilter());
      await app.listen();
      proxy = transport.client();
      await proxy.connect();
      // Room for a stalled worker; the tests about timeouts pass their own.
      client = new ClientProxyRequestClient(proxy, 5000);
    });

    afterAll(async () => {
      await slowDone;
      await proxy?.close();
      await app?.close();
    });

    it('answers with the handler result', async () => {
      const payload = { name: 'Zoë', nested: { list: [1, 2] }, at: '2026-01-01T00:00:00.000Z' };
      await expect(client.request(subject('echo'), payload)).resolves.toEqual({ echoed: payload });
      await expect(client.request(subject('observable'), {})).resolves.toBe('from an observable');
    });

    it('answers undefined for a handler that returns nothing', async () => {
      await expect(client.request(subject('nothing'), {})).resolves.toBeUndefined();
    });

    it('brings an AppError back with its code, sentence and field errors', async () => {
      const failure = client.request(subject('refuse'), {});
      await expect(failure).rejects.toBeInstanceOf(AppError);
      await expect(failure).rejects.toMatchObject({
        code: 'seat_limit_reached',
        detail: 'All 3 client seats are taken; free one or raise the limit.',
        errors: [{ field: 'type', message: 'no seat' }],
      });
    });

    it('turns an unexpected error into internal_error without leaking its message', async () => {
      const failure = client.request(subject('crash'), {});
      await expect(failure).rejects.toMatchObject({ code: 'internal_error' });
      await expect(failure).rejects.not.toMatchObject({ detail: expect.stringContaining('hunter2') });
    });

    it('fails with unavailable when nobody handles the subject, within the timeout', async () => {
      const started = Date.now();
      const failure = client.request(subject('nobody-listens'), {}, { timeoutMs: 500 });
      await expect(failure).rejects.toBeInstanceOf(UnavailableError);
      await expect(failure).rejects.toMatchObject({ code: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('fails with unavailable when the handler is slower than the timeout', async () => {
      const started = Date.now();
      await expect(client.request(subject('slow'), {}, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(1200);
      expect(slowCalls).toBe(1);
    });

    it("runs each handler within the correlation id of the request's envelope, so its log lines carry it", async () => {
      const ids = Array.from({ length: 5 }, () => randomUUID());
      const answers = await Promise.all(ids.map((correlationId) => client.request(subject('correlation'), { correlationId, data: {} })));
      expect(answers).toEqual(ids.map((id) => ({ before: id, after: id })));
    });

    it('answers many concurrent requests each with its own reply', async () => {
      const replies = await Promise.all(Array.from({ length: 50 }, (_, n) => client.request<{ echoed: { n: number } }>(subject('echo'), { n })));
      expect(replies.map((r) => r.echoed.n)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    });
  });
}
