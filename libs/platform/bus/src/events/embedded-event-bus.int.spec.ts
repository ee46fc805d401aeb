import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventBusContract } from '../testing/event-bus.contract';
import { EmbeddedEventBus } from './embedded-event-bus';

const dir = mkdtempSync(join(tmpdir(), 'clientele-bus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

eventBusContract('in-process (embedded SQLite log)', { open: async () => new EmbeddedEventBus({ filename: join(dir, 'bus.sqlite') }) });
