import { domainEvent } from '@clientele/platform/application';
import { AccountView, IdentitySubjects } from '@clientele/identity/contracts';
import { AccountEvent, accountDecider } from '@clientele/identity/domain';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes, fold } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { accountStream } from '../../streams';
import { toAccountView } from '../../views';

/** Read from the account's own stream, not a read model: the clients service bases seat decisions on it. */
@Controller()
export class GetAccountMessageController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @MessagePattern(IdentitySubjects.getAccount)
  async getAccount(@Payload() envelope: RequestEnvelope<{ accountId: string }>): Promise<AccountView> {
    const history = await this.deps.events.readStream(accountStream(envelope.data.accountId));
    const state = fold(accountDecider, history.map((e) => domainEvent<AccountEvent>(e)));
    if (state.status === 'none') throw new AppError(ErrorCodes.notFound, 'This account does not exist.');
    return toAccountView(state, history[history.length - 1].revision);
  }
}
