-- First start of the compose PostgreSQL: the same roles and database scripts/local-up creates.
CREATE ROLE spiral_owner LOGIN CREATEDB BYPASSRLS PASSWORD 'spiral_owner_local';
CREATE ROLE spiral_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD 'spiral_app_local';
GRANT pg_signal_backend TO spiral_owner;
\connect template1
CREATE EXTENSION IF NOT EXISTS vector;
\connect postgres
CREATE DATABASE spiral OWNER spiral_owner;
\connect spiral
CREATE EXTENSION IF NOT EXISTS vector;
