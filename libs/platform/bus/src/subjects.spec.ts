import {
  commandSubject,
  durableName,
  eventStreamName,
  eventStreamSubjects,
  integrationEventSubject,
  parseIntegrationEventSubject,
  querySubject,
  subjectMatches,
} from './subjects';

describe('subject conventions', () => {
  it('builds request subjects of three tokens and event subjects of four', () => {
    expect(commandSubject('clients', 'change-type')).toBe('clients.cmd.change-type');
    expect(querySubject('clients', 'list')).toBe('clients.query.list');
    expect(integrationEventSubject('clients', 'client', 'type-changed', 1)).toBe('clients.client.type-changed.v1');
    expect(parseIntegrationEventSubject('billing.purchase.completed.v2')).toEqual({ service: 'billing', aggregate: 'purchase', event: 'completed', version: 2 });
  });

  it('keeps request subjects out of the service event stream', () => {
    expect(subjectMatches(eventStreamSubjects('clients'), 'clients.client.added.v1')).toBe(true);
    expect(subjectMatches(eventStreamSubjects('clients'), commandSubject('clients', 'add'))).toBe(false);
    expect(subjectMatches(eventStreamSubjects('clients'), querySubject('clients', 'list'))).toBe(false);
  });

  it('refuses tokens that would break the conventions', () => {
    expect(() => commandSubject('clients', 'add.client')).toThrow('lowercase letters');
    expect(() => integrationEventSubject('clients', 'client', 'Added', 1)).toThrow('lowercase letters');
    expect(() => integrationEventSubject('clients', 'client', 'added', 0)).toThrow('positive integer');
    expect(() => parseIntegrationEventSubject('clients.cmd.add')).toThrow('not an integration event subject');
  });

  it('names streams and durable consumers', () => {
    expect(eventStreamName('clients')).toBe('EVENTS_CLIENTS');
    expect(durableName('notifications', 'clients')).toBe('notifications--clients');
    expect(durableName('clients', 'billing', 'enrolment')).toBe('clients--billing--enrolment');
  });

  it('matches NATS wildcards', () => {
    expect(subjectMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.*.c', 'a.b.d')).toBe(false);
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('a.b', 'a.b.c')).toBe(false);
  });
});
