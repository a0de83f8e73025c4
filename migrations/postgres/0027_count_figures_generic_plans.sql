-- count_figures (migration 0024) runs once per counted row: a lead's insert, a referral
-- qualifying, a grant. Its statements filter the figure views by `id = ANY(ids)`, and left
-- to choose, PostgreSQL planned them again on every call (a custom plan for one id always
-- looks cheaper than the generic plan's guess of ten): a lead's count took 0.88 ms, half
-- of it planning a six-branch view. The generic plan (an index lookup per branch) is kept
-- instead: 0.40 ms, and routed lead capture 628 -> 876 leads/s (BENCHMARKS.md).
ALTER FUNCTION count_figures(TEXT, TEXT[], BIGINT) SET plan_cache_mode = force_generic_plan;
