-- PostgreSQL's open-groups index now reads `has_seat` (its migration 0028), and routing's
-- query is written once for both backends, so SQLite has the column too, computed when
-- read. SQLite has no in-place update to keep, so its index keeps the seat count in its
-- predicate (the query repeats both).
ALTER TABLE groups ADD COLUMN has_seat INTEGER GENERATED ALWAYS AS (capacity > members + reserved) VIRTUAL;
