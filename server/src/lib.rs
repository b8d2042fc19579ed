//! ServerKit: a self-hosted backend builder. This crate is the whole
//! application; the `serverkit` binary only parses the command line.
// Unsafe code only where a system call has no safe wrapper (`memory`), each
// allowed on its own with its reason.
#![deny(unsafe_code)]
#![deny(clippy::unwrap_used)]

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod databases;
pub mod dataplane;
pub mod db;
pub mod deploy;
pub mod end_users;
pub mod engine;
pub mod environments;
pub mod error;
pub mod files;
pub mod graphql;
pub mod heavy;
pub mod http;
pub mod input;
pub mod logs;
pub mod memory;
pub mod monitoring;
pub mod pagination;
pub mod state;
pub mod storage;
pub mod tables;
pub mod telemetry;
pub mod testing;
pub mod web;
pub mod workspace;

pub use app::App;
pub use config::Config;
