-- Accounts (issue 6): passwords and single sign-on, browser sessions, invites, key rate limits, audit log.
-- One migration set for H2 (in PostgreSQL mode) and PostgreSQL.

alter table users add column password_hash varchar(400);
alter table users add column oidc_issuer varchar(500);
alter table users add column oidc_subject varchar(255);
create unique index users_by_oidc on users (oidc_issuer, oidc_subject);

alter table api_keys add column rate_limit_per_minute integer;
create index api_keys_by_workspace on api_keys (workspace_id, user_id);

-- A signed-in browser: the cookie holds a random token; only its SHA-256 hash is stored.
create table browser_sessions (
    token_hash   varchar(128) primary key,
    user_id      varchar(40)  not null references users(id),
    workspace_id varchar(40)  not null references workspaces(id),
    csrf_token   varchar(100) not null,
    created_at   timestamp with time zone not null,
    last_seen_at timestamp with time zone not null,
    expires_at   timestamp with time zone not null
);
create index browser_sessions_by_user on browser_sessions (user_id);

create table invites (
    id          varchar(40)  primary key,
    workspace_id varchar(40) not null references workspaces(id),
    token_hash  varchar(128) not null unique,
    role        varchar(20)  not null,
    email       varchar(320),
    created_by  varchar(40)  not null references users(id),
    created_at  timestamp with time zone not null,
    expires_at  timestamp with time zone not null,
    accepted_by varchar(40)  references users(id),
    accepted_at timestamp with time zone,
    revoked_at  timestamp with time zone
);
create index invites_by_workspace on invites (workspace_id, id);

create table audit_log (
    id           varchar(40)  primary key,
    workspace_id varchar(40)  not null references workspaces(id),
    at           timestamp with time zone not null,
    actor_id     varchar(40)  references users(id),
    actor_name   varchar(200),
    api_key_id   varchar(40),
    action       varchar(60)  not null,
    target_type  varchar(40)  not null,
    target_id    varchar(80),
    detail       varchar(2000)
);
create index audit_log_by_workspace on audit_log (workspace_id, id);
