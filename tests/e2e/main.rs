//! End-to-end tests: each starts the real server on a free port with a fresh
//! database and talks to it over HTTP and WebSocket. One test binary, so the
//! application is linked once.

#[macro_use]
mod common;
mod s3;

mod changes;
mod console;
mod coverage;

mod admin_data;
mod audit;
mod auth;
mod binary;
mod blog;
mod csrf;
mod deploy;
mod deploy_crash;
mod environments;
mod exports;
mod file_columns;
mod files;
mod flood;
mod hardening;
mod history;
mod limits;
mod log_tail;
mod logs;
mod monitoring;
mod own_address;
mod partial;
mod refresh;
mod refused_bodies;
mod replicas;
mod roles;
mod row_encoding;
mod sandbox;
mod schema;
mod surface;
mod testing;
mod tokens;
mod validation_corpus;
mod validation_data;
mod watch;
mod watch_crash;
mod workspace;
mod writes;
