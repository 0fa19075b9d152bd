-- Facts the engine relies on, kept on the session in the same transaction as the events that say so, instead of
-- being searched for in the events' JSON.
alter table sessions add column last_turn varchar(20);
alter table sessions add column pushed_commit varchar(64);

-- Sessions from before: how their last turn stands, read once from their events.
update sessions set last_turn = 'running'
where (select coalesce(max(seq), 0) from events e where e.session_id = sessions.id and e.type = 'message_delivered')
    > (select coalesce(max(seq), 0) from events e where e.session_id = sessions.id and e.type = 'turn_result');

update sessions set last_turn = (
    select case when e.data like '%"success":true%' then 'succeeded'
                when e.data like '%"outcome":"interrupted"%' then 'interrupted'
                else 'failed' end
    from events e
    where e.session_id = sessions.id and e.type = 'turn_result'
      and e.seq = (select max(seq) from events x where x.session_id = sessions.id and x.type = 'turn_result'))
where last_turn is null
  and exists (select 1 from events e where e.session_id = sessions.id and e.type = 'turn_result');
