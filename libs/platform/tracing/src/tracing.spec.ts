import { loadConfig } from '@clientele/platform/config';
import { JsonLogger, currentTraceparent } from '@clientele/platform/logging';
import { ProxyTracerProvider, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { openSpan, runTraced } from './spans';
import { formatTraceparent, parseTraceparent } from './traceparent';
import { startTracing, stopTracing, tracingOn } from './tracing';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  serviceName: unknown;
}

/**
 * Where the SDK sends its batches in these specs: kept in memory, as an OTLP receiver would keep
 * them (jest cannot load the OTLP exporter's transport; test/tracing.e2e.spec.ts runs it for real).
 */
function collector(): SpanExporter & { batches: number; spans: ExportedSpan[] } {
  const spans: ExportedSpan[] = [];
  const exporter = {
    batches: 0,
    spans,
    export(batch: ReadableSpan[], done: (result: { code: ExportResultCode }) => void) {
      exporter.batches++;
      for (const span of batch) {
        const { traceId, spanId } = span.spanContext();
        spans.push({ traceId, spanId, parentSpanId: span.parentSpanContext?.spanId, name: span.name, serviceName: span.resource.attributes['service.name'] });
      }
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => undefined,
  };
  return exporter;
}

function capture() {
  const lines: string[] = [];
  return { logger: new JsonLogger('info', { write: (line) => void lines.push(line) }, 'Test'), entries: () => lines.map((line) => JSON.parse(line)) };
}

describe('traces', () => {
  afterEach(() => stopTracing());

  it('are off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: no SDK, no span, no traceparent, no trace id in logs, nothing sent', async () => {
    const receiver = collector();
    // Everything else an OpenTelemetry SDK would read is there, the endpoint is not.
    const config = loadConfig({ OTEL_SERVICE_NAME: 'would-be', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' });
    expect(config.tracing).toBeUndefined();
    expect(startTracing(config.tracing, receiver)).toBe(false);
    expect(tracingOn()).toBe(false);
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).not.toBeInstanceOf(NodeTracerProvider);
    const { logger, entries } = capture();
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const seen = await runTraced({ name: 'work', kind: 'server', parent: incoming }, { correlationId: 'c-1' }, async () => {
      logger.log('inside');
      return { traceparent: currentTraceparent(), active: trace.getActiveSpan() };
    });
    expect(seen).toEqual({ traceparent: undefined, active: undefined });
    expect(openSpan({ name: 'x', kind: 'internal' }).traceparent).toBeUndefined();
    expect(entries()).toEqual([expect.objectContaining({ correlationId: 'c-1', msg: 'inside' })]);
    expect(entries()[0]).not.toHaveProperty('traceId');
    await stopTracing();
    expect(receiver.batches).toBe(0);
  });

  it('are on with OTEL_EXPORTER_OTLP_ENDPOINT: spans nest by traceparent, log lines carry the trace id, and a stop sends what is batched', async () => {
    const receiver = collector();
    const config = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', CLIENTELE_SERVICES: 'billing', CLIENTELE_BUS: 'nats' });
    expect(config.tracing).toEqual({ endpoint: 'http://collector:4318', serviceName: 'clientele-billing' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'billing-eu' }).tracing).toEqual({ endpoint: 'http://collector:4318', serviceName: 'billing-eu' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing?.serviceName).toBe('clientele');
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must start with http:\/\/ or https:\/\//);
    expect(startTracing(config.tracing, receiver)).toBe(true);
    const { logger, entries } = capture();
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const inner = await runTraced({ name: 'outer', kind: 'server', parent: incoming }, { correlationId: 'c-2' }, async () => {
      logger.log('in the outer span');
      const outer = currentTraceparent();
      // What a bus request or a recorded event carries: the next span is its child.
      return runTraced({ name: 'inner', kind: 'consumer', parent: outer }, { correlationId: 'c-2' }, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        logger.log('in the inner span');
        return { outer, inner: currentTraceparent() };
      });
    });
    logger.log('outside');
    expect(inner.outer).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(entries().map((e) => e.traceId)).toEqual(['0af7651916cd43dd8448eb211c80319c', '0af7651916cd43dd8448eb211c80319c', undefined]);
    // Nothing is sent before the batch is due; the stop sends it.
    await stopTracing();
    const byName = Object.fromEntries(receiver.spans.map((span) => [span.name, span]));
    expect(byName.outer).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: 'b7ad6b7169203331', serviceName: 'clientele-billing' });
    expect(byName.inner).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: byName.outer.spanId });
    expect(inner.inner).toBe(`00-0af7651916cd43dd8448eb211c80319c-${byName.inner.spanId}-01`);
    expect(tracingOn()).toBe(false);
  });

  it('starts a trace of its own for a missing or malformed traceparent', async () => {
    const receiver = collector();
    startTracing({ endpoint: 'http://collector:4318', serviceName: 'clientele' }, receiver);
    for (const parent of [undefined, 'nonsense', '00-00000000000000000000000000000000-b7ad6b7169203331-01', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']) {
      const traceparent = await runTraced({ name: 'root', kind: 'server', parent }, {}, async () => currentTraceparent());
      expect(parseTraceparent(traceparent)).toBeDefined();
      expect(traceparent).not.toContain('0af7651916cd43dd8448eb211c80319c');
    }
    await stopTracing();
    expect(receiver.spans.map((span) => [span.name, span.parentSpanId ?? ''])).toEqual(Array.from({ length: 4 }, () => ['root', '']));
  });

  it('is one SDK per process, stopped with the last host that started it', async () => {
    const receiver = collector();
    const settings = { endpoint: 'http://collector:4318', serviceName: 'clientele' };
    expect([startTracing(settings, receiver), startTracing(settings, receiver)]).toEqual([true, true]);
    await stopTracing();
    expect(tracingOn()).toBe(true);
    await runTraced({ name: 'still traced', kind: 'internal' }, {}, async () => undefined);
    await stopTracing();
    expect(tracingOn()).toBe(false);
    expect(receiver.spans.map((span) => span.name)).toEqual(['still traced']);
  });

  it('reads and writes W3C traceparents', () => {
    const context = parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(context).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    expect(formatTraceparent(context!)).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(parseTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-future')).toMatchObject({ traceFlags: 0 });
    for (const bad of [42, '', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra']) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });
});
