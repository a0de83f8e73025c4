-- Finance (issue 10, item 4): each payout line carries its own stable merchant detail id
-- (`out_detail_no`), written before the file leaves, so a provider's result file can be
-- matched line by line. Lines written before this keep the id their files already showed.
ALTER TABLE payout_lines ADD COLUMN out_detail_no TEXT;
UPDATE payout_lines SET out_detail_no = payout_id || '-' || printf('%06d', line_no);
CREATE UNIQUE INDEX payout_lines_by_detail_no ON payout_lines (out_detail_no);
-- The cross-campaign finance ledger reads grants by time.
CREATE INDEX grants_by_time ON grants (granted_at, id);
