-- Idempotency keys are now kept per caller id (`usr_...` or `key_...`, as idempotencyCaller in shared/actors.ts names
-- it) instead of `<kind>:<subject>`, and a create stores the id of what it made under its result field (`postId`,
-- `liveStreamId`) instead of `id`. Rewrite the keys stored before, so that their retries still replay the first result.
-- Ids carry their type prefix, so no two old callers become one; OR IGNORE leaves such a row as it was, unused.
UPDATE OR IGNORE `idempotency_keys` SET `caller` = substr(`caller`, instr(`caller`, ':') + 1)
  WHERE `caller` LIKE 'user:%' OR `caller` LIKE 'partner:%';--> statement-breakpoint
UPDATE `idempotency_keys` SET `response_json` = json_object('postId', json_extract(`response_json`, '$.id'))
  WHERE `operation` = 'publishPost' AND json_type(`response_json`, '$.id') = 'text';--> statement-breakpoint
UPDATE `idempotency_keys` SET `response_json` = json_object('liveStreamId', json_extract(`response_json`, '$.id'))
  WHERE `operation` = 'scheduleLiveStream' AND json_type(`response_json`, '$.id') = 'text';
