-- Every model request the relay forwarded, with the tokens the model API reported and what they cost: the record a
-- session's and a workspace's budget are checked against, across servers.
create table model_calls (
    id                 varchar(40)    primary key,
    session_id         varchar(40)    not null references sessions(id),
    workspace_id       varchar(40)    not null references workspaces(id),
    at                 timestamp with time zone not null,
    model              varchar(200)   not null,
    input_tokens       bigint         not null,
    output_tokens      bigint         not null,
    cache_write_tokens bigint         not null,
    cache_read_tokens  bigint         not null,
    cost_usd           numeric(14, 6) not null
);
create index model_calls_by_session on model_calls (session_id);
create index model_calls_by_workspace on model_calls (workspace_id, at);
