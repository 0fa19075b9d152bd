-- Runners (one per server process) and their heartbeats: a runner that stops heartbeating is dead, and
-- the sessions it held are taken over at once instead of when their leases lapse.
create table runners (
    id           varchar(80)  primary key,
    host         varchar(300) not null,
    pid          bigint       not null,
    started_at   timestamp with time zone not null,
    heartbeat_at timestamp with time zone not null,
    stopped_at   timestamp with time zone
);
create index runners_alive on runners (stopped_at, heartbeat_at);
