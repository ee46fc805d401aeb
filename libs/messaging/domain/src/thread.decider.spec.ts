import { ClientType } from '@clientele/platform/core';
import { deciderSpec } from '@clientele/platform/testing';
import { Sender, ThreadEvent, mayWrite, threadDecider } from './thread.decider';

const now = '2026-11-21T10:00:00.000Z';
const send = (from: Sender, clientType: ClientType, body = 'Hello') => ({
  type: 'SendMessage' as const,
  messageId: 'm1',
  clientId: 'c1',
  accountId: 'a1',
  from,
  body,
  clientType,
  metadata: { actorId: from === 'coach' ? 'u1' : 'c1', now },
});

describe('the messaging policy, 3 types x 2 directions', () => {
  const spec = deciderSpec(threadDecider);
  const matrix: Array<[ClientType, Sender, boolean]> = [
    ['full_access', 'coach', true],
    ['full_access', 'client', true],
    ['full_access_one_way', 'coach', true],
    ['full_access_one_way', 'client', false],
    ['offline', 'coach', false],
    ['offline', 'client', false],
  ];
  it.each(matrix)('%s, from the %s: allowed = %s', (type, from, allowed) => {
    expect(mayWrite(from, type)).toBe(allowed);
    if (allowed) {
      spec.given([]).when(send(from, type)).then([
        { type: 'MessageSent', data: { messageId: 'm1', clientId: 'c1', accountId: 'a1', from, senderId: from === 'coach' ? 'u1' : 'c1', body: 'Hello', sentAt: now } },
      ]);
    } else {
      spec.given([]).when(send(from, type)).thenThrows('messaging_not_allowed');
    }
  });
});

describe('thread', () => {
  const spec = deciderSpec(threadDecider);
  const closed: ThreadEvent = { type: 'ThreadClosed', data: { clientId: 'c1', accountId: 'a1', closedAt: now } };

  it('keeps bodies of 1 to 5000 characters as given, HTML included', () => {
    spec.given([]).when(send('coach', 'full_access', '')).thenThrows('validation_failed');
    spec.given([]).when(send('coach', 'full_access', '   ')).thenThrows('validation_failed');
    spec.given([]).when(send('coach', 'full_access', 'x'.repeat(5001))).thenThrows('validation_failed');
    const [sent] = threadDecider.decide(send('coach', 'full_access', '<b>hi</b> & bye'), threadDecider.initialState());
    expect(sent.type === 'MessageSent' && sent.data.body).toBe('<b>hi</b> & bye');
  });

  it('takes no message once closed (the client was deleted), and closes once', () => {
    spec.given([closed]).when(send('coach', 'full_access')).thenThrows('not_found');
    spec.given([closed]).when({ type: 'CloseThread', clientId: 'c1', accountId: 'a1', metadata: { now } }).thenNothingHappens();
  });
});
