import { ClientEventCodec } from '@clientele/clients/service';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';

/**
 * Opens the personal fields sealed in the clients service's events, with the keys from its key
 * store, for readers outside the service (the ops tool's audit). The service's own codec does it,
 * so a deleted client reads as `[erased]` here exactly as in the API.
 */
export function clientEventDataReader(clientsKeys: DocumentStore): (event: RecordedEvent) => Promise<Record<string, unknown>> {
  const codec = new ClientEventCodec(new PersonalDataCipher(new KeyStore(clientsKeys)));
  return async (event) => (await codec.decode(event)).data as unknown as Record<string, unknown>;
}
