import { runWithCorrelation } from './correlation';
import { JsonLogger } from './json-logger';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const logger = new JsonLogger(level, { write: (line) => void lines.push(line) }, 'Test');
  return { logger, entries: () => lines.map((line) => JSON.parse(line)) };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with time, level, context and message', () => {
    const { logger, entries } = capture();
    logger.log('client added', 'ClientsModule');
    expect(entries()).toEqual([{ time: expect.any(String), level: 'info', context: 'ClientsModule', msg: 'client added' }]);
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

  it('never writes secrets, at any depth', () => {
    const { logger, entries } = capture();
    logger.log('login', { email: 'a@b.c', password: 'hunter2', headers: { Authorization: 'Bearer abc' }, nested: [{ apiKey: 'SG.x', jwtSecret: 's' }] });
    const line = JSON.stringify(entries());
    for (const secret of ['hunter2', 'Bearer abc', 'SG.x', '"s"']) expect(line).not.toContain(secret);
    expect(entries()[0]).toMatchObject({ email: 'a@b.c', password: '[redacted]' });
  });

  it('drops lines below its level and keeps error stacks', () => {
    const { logger, entries } = capture('warn');
    logger.debug('noise');
    logger.log('noise');
    logger.error('boom', 'Error: boom\n    at somewhere (file.ts:1:1)', 'Worker');
    expect(entries()).toEqual([expect.objectContaining({ level: 'error', msg: 'boom', context: 'Worker', stack: expect.stringContaining('at somewhere') })]);
  });
});
