//! The `serverkit` command line: `serve` (the default), `migrate`, `schema`,
//! `example` and `admin create`.

use std::{io::BufRead, time::Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::{
    app::App,
    auth::{Role, admins},
    config::{CliOverrides, Config, redact_url},
    db, graphql, telemetry,
};

#[derive(Parser)]
#[command(name = "serverkit", version, about = "ServerKit: define tables and routers, test them, deploy them.")]
pub struct Cli {
    #[command(flatten)]
    pub overrides: CliOverrides,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the admin, the GraphQL API and every environment (the default).
    Serve,
    /// Bring the control database's schema up to date, then exit.
    Migrate,
    /// Print the GraphQL schema (SDL); `schema.graphql` holds its output.
    Schema,
    /// Print an example workspace document, to import in the admin or with
    /// `importWorkspace`: `serverkit example blog > blog.json`.
    Example {
        #[arg(value_parser = ["blog"], default_value = "blog")]
        name: String,
    },
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an admin. The password is read from the first line of stdin.
    Create {
        /// The admin's email, their sign-in name.
        #[arg(long)]
        email: String,
        /// Owners manage admins and settings; developers edit, refresh and deploy; viewers read.
        #[arg(long, default_value = "owner", value_parser = ["owner", "developer", "viewer"])]
        role: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    crate::memory::tune();
    // These print what the binary carries: no configuration, no database.
    let printed = match &cli.command {
        Some(Command::Schema) => Some(graphql::sdl()),
        Some(Command::Example { .. }) => Some(crate::workspace::examples::BLOG.to_owned()),
        _ => None,
    };
    if let Some(text) = printed {
        print!("{text}");
        return Ok(());
    }
    let config = Config::load(&cli.overrides).context("reading the configuration")?;
    telemetry::init(config.log_format, &config.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            db::connect_control(&config.database_url()).await?.close().await?;
            println!("control database is up to date ({})", redact_url(&config.database_url()));
            Ok(())
        }
        Command::Admin { command: AdminCommand::Create { email, role } } => {
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password).context("reading the password from stdin")?;
            let db = db::connect_control(&config.database_url()).await?;
            let role: Role = role.parse().map_err(|_| anyhow::anyhow!("unknown role"))?;
            let admin = admins::create(&db, &email, password.trim_end_matches(['\r', '\n']), role).await.map_err(|err| anyhow::anyhow!(err.message()))?;
            println!("created {} ({})", admin.email, admin.role);
            Ok(())
        }
        Command::Schema | Command::Example { .. } => unreachable!("handled above"),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
    let database = redact_url(&config.database_url());
    let files = match &config.storage_url {
        Some(url) => redact_url(url.expose_secret()),
        None => config.data_dir.join("files").display().to_string(),
    };
    let app = App::build(config, listener.local_addr()?).await?;
    let url = app.state.public_url.clone();
    let mut banner = format!(
        "ServerKit {} ready in {} ms\n  admin:     {url}/admin/\n  graphql:   {url}/graphql\n",
        env!("CARGO_PKG_VERSION"),
        started.elapsed().as_millis()
    );
    for env in app.state.environments.list().await.map_err(|err| anyhow::anyhow!(err.message()))? {
        banner.push_str(&format!("  env {:<10} {url}/env/{} ({})\n", env.slug, env.slug, env.kind.as_str()));
    }
    for (slug, address) in app.env_addresses() {
        banner.push_str(&format!("  env {slug:<10} http://{address}/ (its own address)\n"));
    }
    banner.push_str(&format!("  database:  {database}\n  files:     {files}\n"));
    if let Some(link) = &app.setup_link {
        banner.push_str(&format!("  no admin yet: open {link} to create the first owner\n"));
    }
    println!("{banner}");
    app.serve(listener, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
