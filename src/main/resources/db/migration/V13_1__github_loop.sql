-- The conversation with GitHub: which GitHub login is which member (set by admins; only linked members start
-- sessions or send follow-ups from GitHub), the issue a session was started from, the review threads and comments
-- Magnet answers when a turn ends, and the check runs seen on sessions' pull requests.

create table github_links (
    workspace_id varchar(40)  not null references workspaces(id),
    login        varchar(100) not null,
    user_id      varchar(40)  not null references users(id),
    created_at   timestamp with time zone not null,
    primary key (workspace_id, login)
);

create table github_issue_sessions (
    session_id   varchar(40)   primary key references sessions(id),
    repo         varchar(2000) not null,
    issue_number integer       not null
);
create index github_issue_sessions_by_issue on github_issue_sessions (repo, issue_number);

create table github_replies (
    id          varchar(40)   primary key,
    session_id  varchar(40)   not null references sessions(id),
    repo        varchar(2000) not null,
    pr_number   integer       not null,
    comment_id  bigint,
    created_at  timestamp with time zone not null,
    replied_at  timestamp with time zone
);
create index github_replies_pending on github_replies (session_id, replied_at);

create table github_check_runs (
    session_id  varchar(40)  not null references sessions(id),
    name        varchar(200) not null,
    status      varchar(20)  not null,
    conclusion  varchar(20),
    url         varchar(2000),
    head_sha    varchar(64),
    updated_at  timestamp with time zone not null,
    primary key (session_id, name)
);

alter table sessions add column check_follow_ups integer default 0 not null;
