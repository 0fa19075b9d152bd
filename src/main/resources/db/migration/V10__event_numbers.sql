-- The number of each session's last event, kept on its row. The event log numbers a burst from it under the row's
-- lock (taken anyway) instead of reading the highest number from the session's events, which on H2 is a scan of them
-- all for every burst.
alter table sessions add column last_seq bigint default 0 not null;
update sessions set last_seq = (select coalesce(max(seq), 0) from events where events.session_id = sessions.id);
