-- The state of each session's run script (an environment's background process, such as a dev server), written by the
-- runner that runs it and shown on the session resource by any server: starting, listening (its preview port
-- answers), exited (with its exit code) or stopped (the sandbox was closed).
create table session_run_scripts (
    session_id varchar(40) primary key references sessions(id),
    state      varchar(16) not null,
    exit_code  integer,
    preview_port integer,
    updated_at timestamp with time zone not null
);
