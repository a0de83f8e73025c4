-- Background jobs find their work through indexes (issue 14). The reward engine asks
-- for "qualified, not yet rewarded" and "cancelled after a reward, not yet revoked"
-- referrals in creation order, 200 at a time; the old indexes on (state, rewarded_at)
-- and (state, revoked_at) found the rows but not their order, so every tick read and
-- sorted all of them. These partial indexes hold only the work, in the order it is
-- taken, and a new lead's referral (pending or holding) is in neither. (The SQLite
-- twin also rebuilds `visitors` WITHOUT ROWID; a PostgreSQL table has no rowid.)
DROP INDEX referrals_to_reward;
CREATE INDEX referrals_to_reward ON referrals (created_at)
    WHERE state = 'qualified' AND rewarded_at IS NULL;
DROP INDEX referrals_to_revoke;
CREATE INDEX referrals_to_revoke ON referrals (created_at)
    WHERE state = 'cancelled' AND rewarded_at IS NOT NULL AND revoked_at IS NULL;
