-- Accounts hardening: whether a user's email address was verified. Only a verified address links single sign-on
-- to an existing account or matches MAGNET_WORKSPACE_CREATORS. One migration for H2 (PostgreSQL mode) and PostgreSQL.

alter table users add column email_verified boolean default false not null;

-- Existing users whose address was proven: the first admin made by the first start, users who came through single
-- sign-on (made or linked only with a verified address), and users who accepted an invite made for their address.
update users set email_verified = true
where email = 'admin@localhost'
   or (oidc_subject is not null and email is not null)
   or id in (select i.accepted_by from invites i where i.email is not null and i.email = users.email);
