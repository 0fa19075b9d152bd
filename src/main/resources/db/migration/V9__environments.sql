-- Environments (SPEC §5): how a session's sandbox is prepared. Plain variables, the network policy and the cache key are
-- small JSON documents; secrets are sealed one per row and never read back by the API.
create table environments (
    id            varchar(40)   primary key,
    workspace_id  varchar(40)   not null references workspaces(id),
    name          varchar(100)  not null,
    repo          varchar(2000),
    branch        varchar(255),
    image         varchar(100),
    setup_script  varchar,
    run_script    varchar,
    preview_port  integer,
    env           varchar       not null,
    network       varchar       not null,
    cache         varchar,
    enabled       boolean       not null,
    is_default    boolean       not null,
    created_at    timestamp with time zone not null,
    updated_at    timestamp with time zone not null,
    version       integer       not null
);
create unique index environments_by_name on environments (workspace_id, name);

create table environment_secrets (
    environment_id varchar(40)  not null references environments(id) on delete cascade,
    name           varchar(100) not null,
    sealed         varchar      not null,
    primary key (environment_id, name)
);

alter table sessions add column environment_id varchar(40);
create index sessions_by_environment on sessions (environment_id, status);
