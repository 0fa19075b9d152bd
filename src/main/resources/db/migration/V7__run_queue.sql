-- When a runner last took the session: the run queue serves first whoever was served longest ago, so people take
-- turns when they run equally many sessions.
alter table sessions add column taken_at timestamp with time zone;
create index sessions_author_taken on sessions (author_id, taken_at);
