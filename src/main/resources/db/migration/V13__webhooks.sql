-- Outgoing webhooks of a workspace: the endpoints its admins set (the signing secret sealed with AES-GCM), and
-- every delivery with each attempt's response. A delivery is written in the transaction of the event it tells of,
-- so none is lost to a restart; the sender retries it with backoff until it is delivered or a day has passed.

create table webhook_endpoints (
    id            varchar(40)   primary key,
    workspace_id  varchar(40)   not null references workspaces(id),
    url           varchar(2000) not null,
    events        varchar(400)  not null,
    format        varchar(20)   not null,
    secret_sealed varchar       not null,
    enabled       boolean       not null default true,
    created_by    varchar(40)   references users(id),
    created_at    timestamp with time zone not null
);
create index webhook_endpoints_by_workspace on webhook_endpoints (workspace_id);

create table webhook_deliveries (
    id              varchar(40)   primary key,
    endpoint_id     varchar(40)   not null references webhook_endpoints(id) on delete cascade,
    event           varchar(40)   not null,
    session_id      varchar(40),
    payload         varchar       not null,
    state           varchar(20)   not null,
    attempts        integer       not null default 0,
    next_attempt_at timestamp with time zone,
    redelivery_of   varchar(40),
    created_at      timestamp with time zone not null,
    last_attempt_at timestamp with time zone,
    response_status integer,
    response_body   varchar(2000),
    error           varchar(1000)
);
create index webhook_deliveries_due on webhook_deliveries (state, next_attempt_at);
create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, id);

create table webhook_attempts (
    delivery_id     varchar(40)   not null references webhook_deliveries(id) on delete cascade,
    attempt         integer       not null,
    at              timestamp with time zone not null,
    response_status integer,
    response_body   varchar(2000),
    error           varchar(1000),
    duration_ms     bigint        not null,
    primary key (delivery_id, attempt)
);

-- The last state a session's webhooks told of (created, running, waiting, completed, failed), so a status event
-- that repeats the state (a note while waiting, say) sends nothing again.
alter table sessions add column notified_state varchar(20);
