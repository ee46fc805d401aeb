import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { runWithCorrelation } from './correlation';
import { JsonLogger } from './json-logger';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const logger = new JsonLogger(level, { write: (line) => void lines.push(line) }, 'Test');
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line)) };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with time, level, context and message', () => {
    const { logger, lines, entries } = capture();
    logger.log('client added', 'ClientsModule');
    expect(entries()).toEqual([{ time: expect.any(String), level: 'info', context: 'ClientsModule', msg: 'client added' }]);
    expect(new Date(entries()[0].time).toISOString()).toBe(entries()[0].time);
    expect(lines[0]).toMatch(/^\{.*\}\n$/);
  });

  it('carries the correlation id of the work in hand across awaits', async () => {
    const { logger, entries } = capture();
    await runWithCorrelation({ correlationId: 'req-42' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.warn('slow');
    });
    logger.warn('outside');
    expect(entries().map((e) => e.correlationId)).toEqual(['req-42', undefined]);
  });

  it('carries the trace id of the span in hand when traces are on, and none otherwise', async () => {
    const { logger, entries } = capture();
    await runWithCorrelation({ correlationId: 'req-43', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.log('traced');
    });
    await runWithCorrelation({ correlationId: 'req-44' }, async () => logger.log('untraced'));
    expect(entries().map((e) => [e.correlationId, e.traceId])).toEqual([
      ['req-43', '0af7651916cd43dd8448eb211c80319c'],
      ['req-44', undefined],
    ]);
  });

  it('never writes secrets, at any depth', () => {
    const { logger, entries } = capture();
    logger.log('login', { email: 'a@b.c', password: 'hunter2', headers: { Authorization: 'Bearer abc' }, nested: [{ apiKey: 'SG.x', jwtSecret: 's' }] });
    const line = JSON.stringify(entries());
    for (const secret of ['hunter2', 'Bearer abc', 'SG.x', '"s"']) expect(line).not.toContain(secret);
    expect(entries()[0]).toMatchObject({ email: 'a@b.c', password: '[redacted]' });
  });

  it('never writes secrets deeper than it looks, in errors, or in an object given as the message', () => {
    const { logger, lines } = capture();
    let deep: Record<string, unknown> = { password: 'deep-secret' };
    for (let i = 0; i < 20; i++) deep = { inner: deep };
    logger.log('deep', deep);
    const failure = Object.assign(new Error('request failed'), { config: { headers: { authorization: 'Bearer err-secret' } } });
    logger.error(failure);
    logger.warn('wrapped', { error: Object.assign(new Error('inner'), { token: 'tok-secret' }) });
    logger.log({ cookie: 'cookie-secret', plain: 'kept' });
    const all = lines.join('');
    for (const secret of ['deep-secret', 'err-secret', 'tok-secret', 'cookie-secret']) expect(all).not.toContain(secret);
    expect(all).toContain('kept');
  });

  it('drops lines below its level and keeps error stacks', () => {
    const { logger, entries } = capture('warn');
    logger.debug('noise');
    logger.log('noise');
    logger.error('boom', 'Error: boom\n    at somewhere (file.ts:1:1)', 'Worker');
    expect(entries()).toEqual([expect.objectContaining({ level: 'error', msg: 'boom', context: 'Worker', stack: expect.stringContaining('at somewhere') })]);
  });

  it('writes an error given as the message with its type, message, stack and cause', () => {
    const { logger, entries } = capture();
    logger.error(new TypeError('outer', { cause: new Error('the cause') }));
    expect(entries()).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'outer',
        context: 'Test',
        err: expect.objectContaining({ type: 'TypeError', message: expect.stringContaining('the cause'), stack: expect.stringContaining('caused by') }),
      }),
    ]);
  });

  it('gives children their context, replaced (not repeated) by a context given with a call', () => {
    const { logger, lines } = capture();
    const child = logger.child('identity');
    child.log('one');
    child.log('two', 'Override');
    expect(lines.map((line) => JSON.parse(line).context)).toEqual(['identity', 'Override']);
    expect(lines[1].match(/"context"/g)).toHaveLength(1);
  });

  it('writes messages as given (no printf), survives circular fields and keeps bigints whole', () => {
    const { logger, entries } = capture();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    logger.log('100%s done %d', { loop, big: 12345678901234567890n });
    expect(entries()[0]).toMatchObject({ msg: '100%s done %d', loop: { name: 'loop' }, big: '12345678901234567890' });
  });

  it.each([
    ['stdout by default', "new JsonLogger('info')"],
    ['process.stdout given (as run-process does)', "new JsonLogger('info', process.stdout)"],
  ])('writes a fatal line to %s before the process exits at once', (_, construct) => {
    // Many lines, then an error and process.exit(): with an asynchronous stdout, a pipe would lose the tail.
    const script = `
      const { JsonLogger } = require('./libs/platform/logging/src/json-logger');
      const logger = ${construct};
      for (let i = 0; i < 2000; i++) logger.log('line ' + i, { padding: 'x'.repeat(1000) });
      logger.fatal('last words', 'Main');
      process.exit(1);`;
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: resolve(__dirname, '../../../..'),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2001);
    expect(JSON.parse(lines[2000])).toMatchObject({ level: 'error', msg: 'last words', context: 'Main' });
  }, 60_000);
});
