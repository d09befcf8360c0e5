import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { IDENTITY_HEADER, type Identity, signIdentity } from '../subgraphs/shared/identity.ts';

/** What the gateway keeps per request. */
export interface GatewayContext {
  identity: Identity;
}

/**
 * Sends every subgraph request with the caller's verified identity, signed with the secret shared by the
 * gateway and the subgraphs. Subgraphs trust nothing else, so clients can't forge identity headers.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly subgraphSecret: string,
  ) {
    super({ url });
  }

  override async willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]) {
    // Health probes and schema loading run without a request context: they go out as anonymous.
    const identity = (context as Partial<GatewayContext>).identity ?? {
      kind: 'anonymous',
      subject: null,
      scopes: [],
      merchantIds: [],
    };
    request.http?.headers.set(IDENTITY_HEADER, await signIdentity(identity, this.subgraphSecret));
  }
}
