-- The per-minute pace is pruned past a day (the rules read its last eleven minutes): the
-- job finds the old minutes through this index. A minute's row is inserted once and then
-- only updated, so the index costs one entry a minute per campaign (and shard).
CREATE INDEX referral_pace_by_minute ON referral_pace (minute);
