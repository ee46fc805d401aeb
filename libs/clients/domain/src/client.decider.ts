import { Decider } from '@clientele/platform/core';
import { ClientAddedData, ClientEvent } from './client.events';

/** One client (`client-<id>`): its history starts with ClientAdded. */
export type ClientCommand = { type: 'AddClient'; client: ClientAddedData };

export interface ClientState {
  exists: boolean;
  client: ClientAddedData | null;
}

export const clientDecider: Decider<ClientCommand, ClientState, ClientEvent> = {
  initialState: () => ({ exists: false, client: null }),
  decide(command, state) {
    switch (command.type) {
      case 'AddClient':
        // Adding the same client again (the request and the enrolment completer both do) changes nothing.
        if (state.exists) return [];
        return [{ type: 'ClientAdded', data: command.client }];
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ClientAdded':
        return { exists: true, client: event.data };
      default:
        return state;
    }
  },
};
