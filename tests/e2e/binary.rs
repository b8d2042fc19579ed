//! The real `serverkit` binary: configuration layers, the startup banner,
//! subcommands and shutdown on SIGTERM.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_serverkit");

/// The binary on a fresh data dir with the SQLite default: these tests are about
/// the command line, not the database (the rest of the suite covers both).
fn serverkit(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(data_dir)
        .env_remove("SERVERKIT_ADMIN_EMAIL")
        .env_remove("SERVERKIT_ADMIN_PASSWORD")
        .env("SERVERKIT_DATA_DIR", data_dir.join("data"))
        .env("SERVERKIT_LISTEN", "127.0.0.1:0")
        .env("SERVERKIT_LOG", "warn");
    command
}

/// Reads stdout until the banner's blank line; returns it.
fn banner(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match lines.next() {
            Some(Ok(line)) if line.is_empty() && !banner.is_empty() => break,
            Some(Ok(line)) => banner.push_str(&format!("{line}\n")),
            _ => break,
        }
    }
    banner
}

fn sigterm(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not stop within 15 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_prints_where_everything_is_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = serverkit(dir.path()).arg("serve").stdout(Stdio::piped()).spawn().expect("start serverkit");
    let banner = banner(&mut child);
    let url = banner
        .lines()
        .find_map(|line| line.trim().strip_prefix("admin:").map(|rest| rest.trim().trim_end_matches("/admin/").to_owned()))
        .unwrap_or_else(|| panic!("no admin line in {banner}"));
    assert!(banner.contains(&format!("graphql:   {url}/graphql")), "{banner}");
    assert!(banner.contains(&format!("{url}/env/test (test)")), "{banner}");
    assert!(banner.contains(&format!("{url}/env/production (production)")), "{banner}");
    assert!(banner.contains("/admin/setup?token="), "no admin yet, so a setup link: {banner}");
    // The SQLite default lives under the data dir.
    assert!(dir.path().join("data/serverkit.db").exists());

    let ready = get_status(&format!("{url}/readyz"));
    assert_eq!(ready, 200);
    sigterm(&child);
    assert!(wait_exit(&mut child).success(), "a clean exit after SIGTERM");
}

#[test]
fn config_file_env_and_flags_layer_in_that_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("serverkit.toml"), "public_url = \"https://from-file.example\"\nadmin_email = \"file@example.com\"\n").unwrap();
    let mut child = serverkit(dir.path())
        .env("SERVERKIT_ADMIN_PASSWORD", "a secret that must never print")
        .env("SERVERKIT_PUBLIC_URL", "https://from-env.example")
        .args(["serve", "--public-url", "https://from-flag.example"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serverkit");
    let banner = banner(&mut child);
    assert!(banner.contains("https://from-flag.example/admin/"), "the flag wins: {banner}");
    // The file gave the email and the environment the password: the owner exists, no setup link.
    assert!(!banner.contains("setup?token="), "{banner}");
    sigterm(&child);
    let output = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(!banner.contains("never print") && !logs.contains("never print"), "a secret was printed");
}

#[test]
fn schema_subcommand_prints_the_committed_sdl() {
    let output = Command::new(BIN).arg("schema").output().unwrap();
    assert!(output.status.success());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), committed);
}

#[test]
fn migrate_and_admin_create_work_before_the_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = serverkit(dir.path()).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));

    let mut create = serverkit(dir.path())
        .args(["admin", "create", "--email", "ops@example.com", "--role", "owner"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    create.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
    let output = create.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("created ops@example.com (owner)"));

    let mut short = serverkit(dir.path()).args(["admin", "create", "--email", "x@example.com"]).stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    short.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let output = short.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least"), "a clear error");

    // With an admin present, serve prints no setup link.
    let mut child = serverkit(dir.path()).arg("serve").stdout(Stdio::piped()).spawn().unwrap();
    let banner = banner(&mut child);
    assert!(!banner.contains("setup?token="), "{banner}");
    sigterm(&child);
    wait_exit(&mut child);
}

/// A plain blocking GET, to keep these tests free of an async runtime.
fn get_status(url: &str) -> u16 {
    use std::io::Read;
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    write!(stream, "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}
