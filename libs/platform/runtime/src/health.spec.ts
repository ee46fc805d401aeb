import { checkHealth } from './health';

describe('checkHealth', () => {
  it('is ok when every dependency answers', async () => {
    await expect(checkHealth({ events: async () => undefined, bus: async () => undefined })).resolves.toEqual({
      status: 'ok',
      checks: { events: { status: 'up' }, bus: { status: 'up' } },
    });
  });

  it('is unavailable when one fails or hangs, and says which', async () => {
    const report = await checkHealth(
      { events: async () => undefined, bus: () => new Promise(() => undefined), mongo: async () => Promise.reject(new Error('refused')) },
      50,
    );
    expect(report).toEqual({
      status: 'unavailable',
      checks: { events: { status: 'up' }, bus: { status: 'down', error: 'no answer within 50 ms' }, mongo: { status: 'down', error: 'refused' } },
    });
  });
});
