-- One migration set for H2 (in PostgreSQL mode) and PostgreSQL.

create table workspaces (
    id          varchar(40)  primary key,
    name        varchar(200) not null,
    created_at  timestamp with time zone not null
);

create table users (
    id          varchar(40)  primary key,
    name        varchar(200) not null,
    email       varchar(320) unique,
    created_at  timestamp with time zone not null
);

create table memberships (
    workspace_id varchar(40) not null references workspaces(id),
    user_id      varchar(40) not null references users(id),
    role         varchar(20) not null,
    primary key (workspace_id, user_id)
);

create table api_keys (
    id           varchar(40)  primary key,
    workspace_id varchar(40)  not null references workspaces(id),
    user_id      varchar(40)  not null references users(id),
    name         varchar(200) not null,
    prefix       varchar(20)  not null,
    key_hash     varchar(128) not null unique,
    created_at   timestamp with time zone not null,
    last_used_at timestamp with time zone,
    revoked_at   timestamp with time zone
);

create table sessions (
    id               varchar(40)   primary key,
    workspace_id     varchar(40)   not null references workspaces(id),
    author_id        varchar(40)   not null references users(id),
    title            varchar(300)  not null,
    prompt           varchar       not null,
    repo             varchar(2000),
    base_branch      varchar(255),
    branch           varchar(255)  not null,
    model            varchar(200)  not null,
    status           varchar(20)   not null,
    phase            varchar(20)   not null,
    failure_reason   varchar(40),
    failure_message  varchar,
    failure_phase    varchar(20),
    retry_of         varchar(40),
    agent_session_id varchar(64)   not null,
    agent_started    boolean       not null default false,
    base_commit      varchar(64),
    message_count    integer       not null default 0,
    cost_usd         double precision not null default 0,
    input_tokens     bigint        not null default 0,
    output_tokens    bigint        not null default 0,
    pr_number        integer,
    pr_url           varchar(2000),
    pr_state         varchar(20),
    pr_updated_at    timestamp with time zone,
    runner_id        varchar(80),
    lease_until      timestamp with time zone,
    created_at       timestamp with time zone not null,
    updated_at       timestamp with time zone not null,
    version          integer       not null default 0
);
create index sessions_by_workspace on sessions (workspace_id, id);
create index sessions_by_status on sessions (status, runner_id);

create table session_phases (
    session_id  varchar(40) not null references sessions(id),
    seq         integer     not null,
    status      varchar(20) not null,
    phase       varchar(20) not null,
    reason      varchar,
    at          timestamp with time zone not null,
    primary key (session_id, seq)
);

create table session_messages (
    id           varchar(40) primary key,
    session_id   varchar(40) not null references sessions(id),
    author_id    varchar(40) not null references users(id),
    text         varchar     not null,
    state        varchar(20) not null,
    created_at   timestamp with time zone not null,
    delivered_at timestamp with time zone
);
create index session_messages_by_session on session_messages (session_id, state);

create table events (
    session_id  varchar(40) not null references sessions(id),
    seq         bigint      not null,
    type        varchar(40) not null,
    data        varchar     not null,
    created_at  timestamp with time zone not null,
    primary key (session_id, seq)
);

create table session_diffs (
    session_id  varchar(40) primary key references sessions(id),
    base_commit varchar(64) not null,
    head_commit varchar(64) not null,
    diff        varchar     not null,
    files       varchar     not null,
    updated_at  timestamp with time zone not null
);
