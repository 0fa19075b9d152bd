-- Closing the loop with GitHub (issue 15, second part): polling when webhooks are quiet, one action per GitHub
-- comment, check run or labelled issue whichever path saw it first, the workspace's integration user, every pull
-- request a session ever had, and failed-check follow-ups counted per pull request and set per environment.

-- What a workspace already acted on (or decided to ignore), by GitHub's own id: a comment, check run or labelled
-- issue seen by both a webhook delivery and the poller is acted on once.
create table github_seen (
    workspace_id varchar(40)  not null references workspaces(id),
    kind         varchar(20)  not null,
    github_id    varchar(300) not null,
    seen_at      timestamp with time zone not null,
    primary key (workspace_id, kind, github_id)
);

-- Where the poller goes on, per workspace, repository and feed (issue_comments, review_comments, labels,
-- checks:<session id>): the newest updated_at read (GitHub's `since`) and the ETag of the last answer.
create table github_poll_cursors (
    workspace_id varchar(40)  not null references workspaces(id),
    repo         varchar(300) not null,
    feed         varchar(100) not null,
    since        timestamp with time zone,
    etag         varchar(300),
    updated_at   timestamp with time zone not null,
    primary key (workspace_id, repo, feed)
);

-- When a signed delivery last arrived, per webhook secret: a workspace's id, or 'environment' for the server's.
create table github_webhook_heartbeats (
    source           varchar(40) primary key,
    last_delivery_at timestamp with time zone not null
);

-- The member that triggers by bots and automation (and the integration itself) act as.
create table github_workspace_settings (
    workspace_id        varchar(40) primary key references workspaces(id),
    integration_user_id varchar(40) references users(id),
    updated_at          timestamp with time zone not null
);

-- Every pull request a session had: a comment on an old one (merged or closed before a follow-up opened a new one)
-- still reaches the session.
create table session_pull_requests (
    session_id varchar(40)   not null references sessions(id),
    repo       varchar(2000) not null,
    pr_number  integer       not null,
    primary key (session_id, pr_number)
);
create index session_pull_requests_by_number on session_pull_requests (pr_number);
insert into session_pull_requests (session_id, repo, pr_number)
    select id, repo, pr_number from sessions where pr_number is not null and repo is not null;

-- Follow-ups sent for failed checks, per session and pull request.
create table github_check_follow_ups (
    session_id varchar(40) not null references sessions(id),
    pr_number  integer     not null,
    sent       integer     not null,
    primary key (session_id, pr_number)
);

-- How many failed check runs of a pull request become follow-ups in sessions of the environment; null: the
-- server's MAGNET_GITHUB_CHECK_FOLLOW_UPS.
alter table environments add column check_follow_ups integer;
