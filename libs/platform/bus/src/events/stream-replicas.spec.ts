import { isTransientJetStreamError, retryJetStreamSetup } from './stream-replicas';

const natsError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('retryJetStreamSetup', () => {
  it('asks again while the cluster answers "not now" (timeout, no responders, temporarily unavailable), then answers', async () => {
    const answers = [natsError('TIMEOUT'), natsError('503'), new Error('JetStream system temporarily unavailable')];
    let calls = 0;
    const result = await retryJetStreamSetup(async () => {
      calls++;
      const next = answers.shift();
      if (next) throw next;
      return 'created';
    });
    expect({ result, calls }).toEqual({ result: 'created', calls: 4 });
  });

  it('gives up at once on a refusal, and on "not now" past its deadline', async () => {
    let calls = 0;
    const refused = natsError('400', 'stream name already in use with a different configuration');
    await expect(retryJetStreamSetup(async () => (calls++, Promise.reject(refused)))).rejects.toBe(refused);
    expect(calls).toBe(1);
    const timeout = natsError('TIMEOUT');
    await expect(retryJetStreamSetup(() => Promise.reject(timeout), { deadlineMs: 0 })).rejects.toBe(timeout);
    expect(isTransientJetStreamError(natsError('404', 'stream not found'))).toBe(false);
  });
});
