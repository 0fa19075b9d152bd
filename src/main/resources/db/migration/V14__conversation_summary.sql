-- What the list of sessions shows of each conversation without reading its events (Magnet's documented
-- messageCount, firstMessagePreview and lastMessagePreview): the event log keeps them on the session's row as it
-- appends user messages, the agent's text and turn results, under the row's lock it takes anyway.
alter table sessions add column conversation_count integer default 0 not null;
alter table sessions add column first_message_preview varchar(300);
alter table sessions add column last_message_preview varchar(300);
update sessions set conversation_count = (select count(*) from events where events.session_id = sessions.id
    and events.type in ('user_message', 'text', 'turn_result'));
update sessions set first_message_preview = substring(prompt, 1, 200), last_message_preview = substring(prompt, 1, 200);
