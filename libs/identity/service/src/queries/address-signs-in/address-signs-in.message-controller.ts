import { AddressSignsInRequest, AddressSignsInResult, IdentitySubjects } from '@clientele/identity/contracts';
import { holderOf, loginEmailDecider } from '@clientele/identity/domain';
import { readState } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { loginEmailStream } from '../../streams';

/**
 * Asked by the clients service before it gives a client a new address: an address that already
 * signs in to another login, in any account, could never become this client's sign-in, so the
 * coach is told at the edit instead of the client at the confirmation link. The answer comes from
 * the sign-in registry itself (not a read model), so a claim recorded a moment ago counts. It is
 * a check, not a claim: the claim stays with the confirmation, which refuses a taken address too.
 */
@Controller()
export class AddressSignsInMessageController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @MessagePattern(IdentitySubjects.addressSignsIn)
  async signsIn(@Payload() envelope: RequestEnvelope<AddressSignsInRequest>): Promise<AddressSignsInResult> {
    const { email, except } = envelope.data;
    if (!email?.trim()) return { signsIn: false };
    const { state } = await readState(this.deps.events, loginEmailStream(email), loginEmailDecider);
    const holder = holderOf(state);
    return { signsIn: holder !== null && holder !== except };
  }
}
