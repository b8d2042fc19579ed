//! Every environment's API under `/env/{slug}/…` (and at the root of its own
//! address with `env_listen`): a thin adapter over `dataplane::serve`.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    extract::{ConnectInfo, Path, Request, State, rejection::PathRejection},
    http::StatusCode,
    response::Response,
    routing::any,
};

use crate::dataplane::{self, DataPlane, ErrorCode};

pub fn router(state: DataPlane) -> Router {
    Router::new().route("/env/{slug}", any(serve_root)).route("/env/{slug}/", any(serve_root)).route("/env/{slug}/{*rest}", any(serve)).with_state(state)
}

/// `slug`'s API at the root: `/posts/1` here is `/env/{slug}/posts/1` there.
pub fn root_router(state: DataPlane, slug: String) -> Router {
    let slug: Arc<str> = slug.into();
    let at_root = slug.clone();
    Router::new()
        .route(
            "/",
            any(move |State(state): State<DataPlane>, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request| {
                let slug = at_root.clone();
                async move { dataplane::serve(&state, &slug, "", request, peer).await }
            }),
        )
        .route(
            "/{*rest}",
            any(
                move |State(state): State<DataPlane>,
                      ConnectInfo(peer): ConnectInfo<SocketAddr>,
                      rest: Result<Path<String>, PathRejection>,
                      request: Request| {
                    let slug = slug.clone();
                    async move {
                        match rest {
                            Ok(Path(rest)) => dataplane::serve(&state, &slug, own_file_path(&slug, &rest), request, peer).await,
                            Err(_) => bad_url(),
                        }
                    }
                },
            ),
        )
        .with_state(state)
}

/// Rows name their files by the main listener's URL
/// (`/env/{slug}/files/…`); at the environment's own address that URL
/// serves the same file, so a row read there links to something that works.
fn own_file_path<'a>(slug: &str, rest: &'a str) -> &'a str {
    match rest.strip_prefix("env/").and_then(|r| r.strip_prefix(slug)).and_then(|r| r.strip_prefix('/')) {
        Some(inner) if inner.starts_with("files/") => inner,
        _ => rest,
    }
}

/// Percent-escapes that do not decode to UTF-8 (`%ff`, `%c0%af`) name nothing we serve.
fn bad_url() -> Response {
    dataplane::error(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, "the URL's path is not valid UTF-8 once percent-decoded")
}

async fn serve_root(
    State(state): State<DataPlane>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    slug: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    match slug {
        Ok(Path(slug)) => dataplane::serve(&state, &slug, "", request, peer).await,
        Err(_) => bad_url(),
    }
}

async fn serve(
    State(state): State<DataPlane>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Response {
    match path {
        Ok(Path((slug, rest))) => dataplane::serve(&state, &slug, &rest, request, peer).await,
        Err(_) => bad_url(),
    }
}
