//! Typed configuration: defaults → optional `serverkit.toml` → `SERVERKIT_*`
//! environment variables → CLI flags. Built once in `main` and passed in
//! explicitly; nothing below reads the process environment.

use std::{net::SocketAddr, path::PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Lines for people to read.
    #[default]
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Environments also served at the root of an address of their own, by
    /// slug: `production = "0.0.0.0:8081"` under `[env_listen]`, or
    /// `SERVERKIT_ENV_LISTEN__PRODUCTION=0.0.0.0:8081`. Only the
    /// environment's API answers there; the admin stays on `listen`.
    #[serde(default)]
    pub env_listen: std::collections::BTreeMap<String, SocketAddr>,
    /// URL under which browsers and clients reach this server; defaults to
    /// `http://<listen>`. Used for environments' base URLs and the setup link.
    pub public_url: Option<String>,
    /// Folder of the embedded defaults (SQLite files, local file store).
    pub data_dir: PathBuf,
    /// Control database; defaults to `sqlite://<data_dir>/serverkit.db`.
    pub database_url: Option<SecretString>,
    /// Object store for files; defaults to local files under `<data_dir>/files`.
    pub storage_url: Option<SecretString>,
    /// Options of the S3 client besides the URL, by `object_store`'s names
    /// (`endpoint`, `region`, `access_key_id`, `secret_access_key`,
    /// `allow_http`…): `[storage_options]` or `SERVERKIT_STORAGE_OPTIONS__ENDPOINT`.
    /// The usual `AWS_*` variables apply where these are unset.
    #[serde(default, deserialize_with = "option_texts")]
    pub storage_options: std::collections::BTreeMap<String, SecretString>,
    pub admin_email: Option<String>,
    pub admin_password: Option<SecretString>,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub cookie_secure: bool,
    /// Minutes of inactivity after which an admin session ends.
    pub session_idle_minutes: u32,
    /// Failed logins allowed per minute, per client address and per email.
    pub login_attempts_per_minute: u32,
    /// Extra origins allowed to send cookie-authenticated requests (a dev server, say).
    pub allowed_origins: Vec<String>,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For`
    /// names the client; from anyone else the header is ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Largest body `/graphql` reads (and largest WebSocket message); bigger
    /// requests are answered 413 before they are read whole.
    pub admin_max_body_bytes: usize,
    /// Request records waiting to be stored; past this, new ones are dropped
    /// and counted (a request never waits for its log).
    pub request_log_queue: usize,
    /// The key that seals environments' secrets: 64 hex digits or base64 of
    /// 32 bytes. Unset, one is generated at the first start into
    /// `<data_dir>/secret.key` (mode 0600). Replicas must share one: set it.
    #[serde(default)]
    pub secret_key: Option<SecretString>,
    /// For crash tests only: a pause, in milliseconds, inside and after each
    /// activation's migration transaction, so a kill lands in the middle.
    #[serde(default)]
    pub activation_pause_ms: u64,
    pub log_format: LogFormat,
    /// tracing env-filter directive, e.g. `info,serverkit_server=debug`.
    pub log: String,
}

/// Defaults as a serializable shape (secrets have no default).
#[derive(Serialize)]
struct Defaults {
    listen: String,
    data_dir: String,
    cookie_secure: bool,
    session_idle_minutes: u32,
    login_attempts_per_minute: u32,
    allowed_origins: Vec<String>,
    admin_max_body_bytes: usize,
    request_log_queue: usize,
    log_format: LogFormat,
    log: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: "./data".into(),
            cookie_secure: false,
            session_idle_minutes: 12 * 60,
            login_attempts_per_minute: 5,
            allowed_origins: Vec::new(),
            // Room for a large workspace document; far below what hurts.
            admin_max_body_bytes: 4 * 1024 * 1024,
            request_log_queue: 16_384,
            log_format: LogFormat::Pretty,
            log: "info".into(),
        }
    }
}

/// Values given on the command line; each one that is set wins over every other layer.
#[derive(Debug, Default, Clone, Serialize, clap::Args)]
pub struct CliOverrides {
    /// Config file (TOML); missing is fine.
    #[arg(long, global = true, default_value = "serverkit.toml")]
    #[serde(skip)]
    pub config: PathBuf,
    /// Address to serve on, e.g. `127.0.0.1:8080` or `0.0.0.0:80` [env: SERVERKIT_LISTEN]
    #[arg(long, global = true, value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Folder for the embedded SQLite databases, request logs and files (default `data`) [env: SERVERKIT_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<String>,
    /// Control database: `postgres://…` for production and replicas; SQLite in the data folder when unset [env: SERVERKIT_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Object store for files: `s3://bucket/prefix` (options in SERVERKIT_STORAGE_OPTIONS__*) or `file:///path`; `<data-dir>/files` when unset [env: SERVERKIT_STORAGE_URL]
    #[arg(long, global = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_url: Option<String>,
    /// The URL users reach this server at, behind a proxy (e.g. `https://api.example.com`); used in links and the admin's origin check [env: SERVERKIT_PUBLIC_URL]
    #[arg(long, global = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Mark the admin's session cookie `Secure` (sent over HTTPS only); set it when the admin is served over HTTPS [env: SERVERKIT_COOKIE_SECURE]
    #[arg(long, global = true, value_name = "BOOL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookie_secure: Option<bool>,
    /// Log lines as text for people or JSON for collectors; colours only on a terminal [env: SERVERKIT_LOG_FORMAT]
    #[arg(long, global = true, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

/// Option values as text: the environment and TOML give `allow_http=true`
/// or `port = 9000` as a boolean or a number, which object_store takes as text.
fn option_texts<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<std::collections::BTreeMap<String, SecretString>, D::Error> {
    let raw = std::collections::BTreeMap::<String, serde_json::Value>::deserialize(deserializer)?;
    raw.into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => Ok((name, SecretString::from(text))),
            serde_json::Value::Bool(_) | serde_json::Value::Number(_) => Ok((name, SecretString::from(value.to_string()))),
            _ => Err(serde::de::Error::custom(format!("storage option `{name}` takes text, a number or true/false"))),
        })
        .collect()
}

impl Config {
    /// Layers the configuration sources. Only the binary calls this; tests build
    /// a `Config` directly.
    pub fn load(cli: &CliOverrides) -> Result<Self, Box<figment::Error>> {
        Figment::from(Serialized::defaults(Defaults::default()))
            .merge(Toml::file(&cli.config))
            .merge(Env::prefixed("SERVERKIT_").split("__"))
            .merge(Serialized::defaults(cli))
            .extract()
            .map_err(Box::new)
    }

    /// Defaults for everything, rooted in `data_dir`; what tests start from.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let d = Defaults::default();
        Self {
            listen: d.listen.parse().expect("default listen address is valid"),
            env_listen: Default::default(),
            public_url: None,
            data_dir: data_dir.into(),
            database_url: None,
            storage_url: None,
            storage_options: Default::default(),
            admin_email: None,
            admin_password: None,
            cookie_secure: d.cookie_secure,
            session_idle_minutes: d.session_idle_minutes,
            login_attempts_per_minute: d.login_attempts_per_minute,
            allowed_origins: d.allowed_origins,
            trusted_proxies: Vec::new(),
            admin_max_body_bytes: d.admin_max_body_bytes,
            request_log_queue: d.request_log_queue,
            secret_key: None,
            activation_pause_ms: 0,
            log_format: d.log_format,
            log: d.log,
        }
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("serverkit.db").display()),
        }
    }

    pub fn is_postgres(&self) -> bool {
        let url = self.database_url();
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }

    /// The public URL without a trailing slash.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }
}

/// A URL with its password (if any) replaced, for logs and the startup banner.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<unparseable url>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_passwords_only() {
        assert_eq!(redact_url("postgres://app:hunter2@db:5432/sk"), "postgres://app:***@db:5432/sk");
        assert_eq!(redact_url("postgres://db:5432/sk"), "postgres://db:5432/sk");
        assert!(!redact_url("not a url with hunter2").contains("hunter2"));
    }

    #[test]
    fn sqlite_is_the_default_under_the_data_dir() {
        let config = Config::for_data_dir("/srv/sk");
        assert_eq!(config.database_url(), "sqlite:///srv/sk/serverkit.db?mode=rwc");
        assert!(!config.is_postgres());
        assert_eq!(config.public_url("127.0.0.1:9000".parse().expect("addr")), "http://127.0.0.1:9000");
    }

    #[test]
    fn storage_options_take_booleans_and_numbers_as_text() {
        // What `SERVERKIT_STORAGE_OPTIONS__ALLOW_HTTP=true` gives figment: a boolean.
        let toml = "[storage_options]\nallow_http = true\nendpoint = \"http://127.0.0.1:9000\"\nretries = 3\n";
        let config: Config = Figment::from(Serialized::defaults(Defaults::default())).merge(Toml::string(toml)).extract().expect("read");
        let options: Vec<(&str, &str)> = config.storage_options.iter().map(|(k, v)| (k.as_str(), v.expose_secret())).collect();
        assert_eq!(options, [("allow_http", "true"), ("endpoint", "http://127.0.0.1:9000"), ("retries", "3")]);
        let refused = Figment::from(Serialized::defaults(Defaults::default())).merge(Toml::string("[storage_options]\nendpoint = [1]\n")).extract::<Config>();
        assert!(refused.is_err_and(|err| err.to_string().contains("takes text")));
    }
}
