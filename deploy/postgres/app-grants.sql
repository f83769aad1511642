-- Run as meshgov_owner after every `meshgov init` (first install and upgrades); idempotent.
--
--   psql "host=... dbname=meshgov user=meshgov_owner" -f deploy/postgres/app-grants.sql
--
-- The app role reads and writes the store, but the governance log is append-only for it:
-- SELECT and INSERT, no UPDATE, DELETE or TRUNCATE. (On PostgreSQL `meshgov init` also installs
-- triggers that refuse UPDATE, DELETE and TRUNCATE on governance_log for everyone.)
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO meshgov_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO meshgov_app;
REVOKE ALL ON governance_log FROM meshgov_app;
GRANT SELECT, INSERT ON governance_log TO meshgov_app;

-- Check: every row must say false.
SELECT privilege, has_table_privilege('meshgov_app', 'governance_log', privilege) AS granted
FROM unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) AS privilege;
