import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { hostname } from 'node:os';

/** Where this process sends its spans, and the name it has there (ClienteleConfig.tracing). */
export interface TracingSettings {
  /** The OTLP/HTTP base address (OTEL_EXPORTER_OTLP_ENDPOINT): spans go to `<endpoint>/v1/traces`, as JSON. */
  endpoint: string;
  /** The `service.name` of every span of this process. */
  serviceName: string;
}

let provider: NodeTracerProvider | null = null;
let tracer: Tracer | null = null;
/** Hosts (bootstraps) of this process that started tracing and have not stopped it: the SDK stops with the last. */
let users = 0;

/**
 * Starts the OpenTelemetry SDK of this process: spans are batched and sent over OTLP/HTTP (JSON).
 * Without settings (OTEL_EXPORTER_OTLP_ENDPOINT unset) nothing starts, and every span of
 * `spans.ts` is skipped, not made and dropped. One SDK per process: a second host of the same
 * process shares the first's. Each start that returned true is matched by one `stopTracing`.
 * `exporter`: another destination than OTLP/HTTP (specs: jest cannot load the exporter's transport).
 */
export function startTracing(settings: TracingSettings | undefined, exporter?: SpanExporter): boolean {
  if (!settings) return false;
  users++;
  if (provider) return true;
  exporter ??= new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` });
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_INSTANCE_ID]: `${hostname()}:${process.pid}` }),
    // OTEL_BSP_* (delay, batch and queue sizes) and OTEL_EXPORTER_OTLP_HEADERS / _TIMEOUT apply as usual.
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  tracer = provider.getTracer('clientele');
  return true;
}

/**
 * A host of this process stops: with the last one, the spans still batched are sent (a graceful
 * stop loses none of its last seconds) and the SDK stops. Nothing to do when traces are off.
 */
export async function stopTracing(): Promise<void> {
  if (users === 0) return;
  users--;
  const stopping = provider;
  if (users > 0 || !stopping) return;
  provider = null;
  tracer = null;
  try {
    await stopping.shutdown();
  } finally {
    trace.disable();
    context.disable();
    propagation.disable();
  }
}

/** The tracer while traces are on; null when they are off (the hot path then makes no span). */
export function activeTracer(): Tracer | null {
  return tracer;
}

export function tracingOn(): boolean {
  return tracer !== null;
}
