-- Keyed creates stored `{"id": ...}` before the typed rules; a key now stores the id under its result field
-- (`couponTemplateId`, `groupBuyCampaignId`), as every idempotent mutation does, so older keys still replay.
-- Refusals (`{"refused": [...]}`) keep their form.
UPDATE `idempotency_keys`
SET `response_json` = json_object('couponTemplateId', json_extract(`response_json`, '$.id'))
WHERE `operation` = 'createCouponTemplate' AND json_type(`response_json`, '$.id') = 'text';
--> statement-breakpoint
UPDATE `idempotency_keys`
SET `response_json` = json_object('groupBuyCampaignId', json_extract(`response_json`, '$.id'))
WHERE `operation` = 'createGroupBuyCampaign' AND json_type(`response_json`, '$.id') = 'text';
