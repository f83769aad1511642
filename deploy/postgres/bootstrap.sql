-- One-time PostgreSQL setup for meshgov, run by a DBA (psql as a superuser or a role with
-- CREATEROLE and CREATEDB), before the first `meshgov init`:
--
--   psql "host=... dbname=postgres user=..." -v owner_password="$OWNER_PW" -v app_password="$APP_PW" \
--        -f deploy/postgres/bootstrap.sql
--
-- meshgov_owner owns the schema and is used only by `meshgov init` (the migration Job).
-- meshgov_app is what the app, the collectors and the evaluation use: not a superuser, not the
-- owner of any table (an owner could disable the trigger that keeps governance_log append-only),
-- and with no UPDATE, DELETE or TRUNCATE on governance_log.

CREATE ROLE meshgov_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE meshgov_app LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE meshgov OWNER meshgov_owner;

\connect meshgov
-- PostgreSQL 15+ no longer lets everyone create in public; make it explicit for older ones.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO meshgov_owner;
GRANT USAGE ON SCHEMA public TO meshgov_app;

-- Every table and sequence the owner creates (now and in later migrations) is usable by the app.
ALTER DEFAULT PRIVILEGES FOR ROLE meshgov_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO meshgov_app;
ALTER DEFAULT PRIVILEGES FOR ROLE meshgov_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO meshgov_app;
