-- The GitHub integration of a workspace when set through the API (secrets sealed with AES-GCM), the
-- webhook deliveries already handled, and the lookup of sessions by their pull request.

create table github_integrations (
    workspace_id          varchar(40)   primary key references workspaces(id),
    api_url               varchar(2000) not null,
    app_id                varchar(40),
    private_key_sealed    varchar,
    token_sealed          varchar,
    webhook_secret_sealed varchar,
    draft_pull_requests   boolean       not null default false,
    updated_at            timestamp with time zone not null
);

create table github_deliveries (
    delivery_id  varchar(100) primary key,
    event        varchar(60)  not null,
    received_at  timestamp with time zone not null
);

create index sessions_by_pull_request on sessions (pr_number, repo);
