import { count, eq } from 'drizzle-orm';
import { type UserError, userError } from '../../contract/errors.ts';
import { newId } from '../../contract/ids.ts';
import type { MerchantActor } from '../../shared/actors.ts';
import type { RuleOptions } from '../../shared/context.ts';
import { recordEvent } from '../../shared/events/outbox.ts';
import { idempotentTransaction } from '../../shared/idempotency.ts';
import type { PublishMiniProgramInput } from '../__generated__/resolvers-types.ts';
import type { MerchantsDb, MerchantsTx, MiniProgramRow } from '../context.ts';
import { merchants, miniPrograms } from '../tables.ts';
import { appIdProblem, lineText, MAX_MINI_PROGRAM_NAME } from './store-input.ts';

/** Mini programs per merchant: what `Merchant.miniPrograms`' @listSize assumes. */
export const MAX_MINI_PROGRAMS = 5;

export interface PublishMiniProgramResult {
  miniProgram: MiniProgramRow | null;
  userErrors: UserError[];
}

const refused = (...userErrors: UserError[]): PublishMiniProgramResult => ({ miniProgram: null, userErrors });

/** Why the merchant cannot publish another mini program (unknown, suspended, at the limit), or null. */
function merchantProblem(tx: MerchantsTx, merchantId: string): UserError | null {
  const field = ['input', 'merchantId'];
  const merchant = tx.select().from(merchants).where(eq(merchants.id, merchantId)).get();
  if (!merchant) {
    return userError('NOT_FOUND', `No merchant has id "${merchantId}": pass the id of an existing merchant.`, field);
  }
  if (merchant.status !== 'ACTIVE') {
    return userError('MERCHANT_SUSPENDED', `${merchant.name} is suspended: contact your service provider.`, field);
  }
  const published =
    tx.select({ n: count() }).from(miniPrograms).where(eq(miniPrograms.merchantId, merchantId)).get()?.n ?? 0;
  if (published >= MAX_MINI_PROGRAMS) {
    return userError(
      'LIMIT_REACHED',
      `${merchant.name} already has ${published} mini programs, the most a merchant may have.`,
      field,
    );
  }
  return null;
}

/**
 * Puts a new mini program of the actor's merchant online at `now` (its `onlineSince`, from which the consumption
 * circle counts 30 days) and records `mini_program.published` in the same transaction. App ids are unique on the
 * platform: a taken one is APP_ID_TAKEN (the unique index guards it too). With a key, a retry returns the first
 * mini program and publishes nothing.
 */
export function publishMiniProgram(
  db: MerchantsDb,
  now: Date,
  actor: MerchantActor,
  input: PublishMiniProgramInput,
  options: RuleOptions = {},
): PublishMiniProgramResult {
  const { idempotencyKey, ...request } = input;
  const call = { actor, key: idempotencyKey, operation: 'publishMiniProgram', request, now };
  return idempotentTransaction(db, call, (tx) => ({
    entities: { miniProgram: miniPrograms },
    refuse: (error) => refused(error),
    attempt: () => {
      const errors: UserError[] = [];
      const merchant = merchantProblem(tx, input.merchantId);
      if (merchant) errors.push(merchant);
      const appId = appIdProblem(input.appId);
      if (appId) errors.push(appId);
      else if (tx.select().from(miniPrograms).where(eq(miniPrograms.appId, input.appId)).get()) {
        errors.push(
          userError('APP_ID_TAKEN', `The app id "${input.appId}" is taken: choose another.`, ['input', 'appId']),
        );
      }
      const name = lineText('name', input.name, MAX_MINI_PROGRAM_NAME);
      if ('error' in name) errors.push(name.error);
      if (errors.length > 0 || 'error' in name) return refused(...errors);
      const miniProgram = tx
        .insert(miniPrograms)
        .values({
          id: newId('mp'),
          merchantId: actor.merchantId,
          appId: input.appId,
          name: name.text,
          onlineSince: now,
        })
        .returning()
        .get();
      recordEvent(tx, {
        type: 'mini_program.published',
        entityId: miniProgram.id,
        payload: {
          miniProgramId: miniProgram.id,
          merchantId: miniProgram.merchantId,
          appId: miniProgram.appId,
          name: miniProgram.name,
          onlineSince: now.toISOString(),
        },
        occurredAt: now,
      });
      // Tests throw here: a failure after both writes must leave neither the change nor its event.
      options.afterStep?.('event');
      return { miniProgram, userErrors: [] };
    },
  }));
}
