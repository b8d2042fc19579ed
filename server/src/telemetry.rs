use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Logs to stderr, filtered by `RUST_LOG` when set, else by the configured directive.
pub fn init(format: LogFormat, directive: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(directive));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        // Colour codes only for a person at a terminal: a file or a pipe gets plain text.
        LogFormat::Pretty => registry.with(fmt::layer().with_ansi(std::io::stderr().is_terminal()).with_writer(std::io::stderr)).try_init(),
        LogFormat::Json => registry.with(fmt::layer().json().with_writer(std::io::stderr)).try_init(),
    };
    // Already initialised (a second App in one process): keep the first.
    let _ = result;
}
