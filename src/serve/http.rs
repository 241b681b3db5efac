//! The HTTP side: axum's router over the pages, JSON twins, live updates and the bounds every
//! request is held to.

use super::db::Db;
use super::layout::{self, Ctx};
use super::pages::{bug, crash, list, node, run};
use super::{Bounds, Options};
use crate::identity::rules::RuleSet;
use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use maud::{html, Markup};
use serde::Serialize;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The version of the pages' JSON documents (docs/serve.md).
pub const JSON_VERSION: u32 = 1;

/// The Content-Security-Policy of every response: scripts and styles only from the server's
/// own files (no inline script or style, no eval), no plugins, no framing, forms post only here.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// How often the history's change marker is read.
pub const POLL: Duration = Duration::from_millis(250);

/// Pages answered since the history last changed, by request (path, query, JSON or not):
/// fifty clients on the same page cost one page per change. At most [`CACHE_ENTRIES`] pages
/// of at most [`CACHE_BYTES`] each; emptied when the change counter moves.
#[derive(Default)]
struct Cache {
    counter: u64,
    pages: std::collections::HashMap<(String, bool), (HeaderValue, axum::body::Bytes)>,
}

const CACHE_ENTRIES: usize = 512;
const CACHE_BYTES: usize = 4 << 20;

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    cache: Arc<std::sync::Mutex<Cache>>,
    db: Db,
    rules: Arc<RuleSet>,
    bounds: Arc<Bounds>,
    changes: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
    streams: Arc<AtomicUsize>,
}

/// Binds, says where on stderr, and serves until Ctrl-C (or SIGTERM).
pub async fn serve(options: Options, db: Db, changes: watch::Receiver<u64>) -> anyhow::Result<()> {
    let rules = Arc::new(RuleSet::load(
        None,
        &crate::config::limits::Limits::default(),
    )?);
    let (stop_tx, stop_rx) = watch::channel(false);
    let app = App {
        cache: Arc::default(),
        db,
        rules,
        bounds: Arc::new(Bounds::standard(options.timeout)),
        changes,
        shutdown: stop_rx,
        streams: Arc::new(AtomicUsize::new(0)),
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|err| anyhow::anyhow!("{}: cannot listen: {err}", options.listen))?;
    let addr = listener.local_addr()?;
    crate::eprint_safe!(
        "legolog: serving {} read-only at http://{addr}/ (Ctrl-C stops)",
        app.db.name()
    );
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async move {
            stop_signal().await;
            // Live pages' streams end, so the server can finish the requests in flight.
            let _ = stop_tx.send(true);
        })
        .await?;
    crate::eprint_safe!("legolog: stopped");
    Ok(())
}

async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The routes, with the bounds and headers around them.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(list_page))
        .route("/bug/{id}", get(bug_page))
        .route("/crash/{log}/{position}", get(crash_page))
        .route("/crash/{log}/{position}/log.txt", get(crash_text))
        .route("/runs", get(runs_page))
        .route("/run/{key}", get(run_page))
        .route("/node/{name}", get(node_page))
        .route("/graphs", get(graphs_page))
        .route("/events", get(events))
        .route("/changes", get(changes))
        .route("/assets/style.css", get(style))
        .route("/assets/app.js", get(script))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Bounds and headers: a query string or path too long is refused (414), a request that takes
/// longer than the limit is answered 503 (the live stream excepted), and every response gets
/// the CSP and the other security headers.
async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let uri = request.uri();
    let too_long = uri.query().map_or(0, str::len) > app.bounds.max_query
        || uri.path().len() > app.bounds.max_query;
    let mut response = if too_long {
        error(
            Want::Html,
            StatusCode::URI_TOO_LONG,
            "the request's path or query is too long",
        )
    } else if uri.path() == "/events" || uri.path() == "/changes" {
        next.run(request).await
    } else {
        let key = (
            uri.to_string(),
            want(request.headers(), &uri.query().map(str::to_owned)) == Want::Json,
        );
        let counter = *app.changes.borrow();
        if let Some(hit) = app.cached(&key, counter) {
            hit
        } else {
            match tokio::time::timeout(app.bounds.timeout, next.run(request)).await {
                Ok(response) => app.keep(key, counter, response).await,
                Err(_) => error(
                    Want::Html,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the request took longer than the server's time limit",
                ),
            }
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// HTML or the JSON twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The page.
    Html,
    /// Its JSON document.
    Json,
}

fn want(headers: &HeaderMap, raw: &Option<String>) -> Want {
    let asked = raw.as_deref().is_some_and(|q| {
        form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "json" && (v == "1" || v == "true"))
    });
    let accepts = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if asked || accepts {
        Want::Json
    } else {
        Want::Html
    }
}

#[derive(Serialize)]
struct Document<'a, T: Serialize> {
    version: u32,
    page: &'a str,
    data: &'a T,
}

/// The versioned JSON document of a page.
pub fn json_document<T: Serialize>(page: &str, data: &T) -> String {
    serde_json::to_string(&Document {
        version: JSON_VERSION,
        page,
        data,
    })
    .unwrap_or_else(|err| format!("{{\"version\":{JSON_VERSION},\"error\":\"{err}\"}}"))
}

fn respond<T: Serialize>(
    want: Want,
    page: &str,
    data: &T,
    render: impl FnOnce(&T) -> Markup,
) -> Response {
    match want {
        Want::Json => (
            [(header::CONTENT_TYPE, "application/json")],
            json_document(page, data),
        )
            .into_response(),
        Want::Html => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            render(data).into_string(),
        )
            .into_response(),
    }
}

fn error(want: Want, status: StatusCode, message: &str) -> Response {
    match want {
        Want::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({"version": JSON_VERSION, "error": message}).to_string(),
        )
            .into_response(),
        Want::Html => {
            let ctx = Ctx::served(0);
            let body = html! { h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) } p { (layout::shown(message)) } };
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                layout::page(&ctx, "Error", layout::Section::Other, body).into_string(),
            )
                .into_response()
        }
    }
}

/// A history error: one line, no details of the server beyond it.
fn failed(want: Want, err: anyhow::Error) -> Response {
    error(want, StatusCode::INTERNAL_SERVER_ERROR, &format!("{err:#}"))
}

impl App {
    fn cached(&self, key: &(String, bool), counter: u64) -> Option<Response> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.counter != counter {
            return None;
        }
        let (kind, body) = cache.pages.get(key)?;
        Some(([(header::CONTENT_TYPE, kind.clone())], body.clone()).into_response())
    }

    /// Keeps a successful page made while the counter was `counter`.
    async fn keep(&self, key: (String, bool), counter: u64, response: Response) -> Response {
        if response.status() != StatusCode::OK {
            return response;
        }
        let (parts, body) = response.into_parts();
        let Some(kind) = parts.headers.get(header::CONTENT_TYPE).cloned() else {
            return Response::from_parts(parts, body);
        };
        let Ok(bytes) = axum::body::to_bytes(body, CACHE_BYTES).await else {
            return error(
                Want::Html,
                StatusCode::INTERNAL_SERVER_ERROR,
                "a page larger than the server's limit",
            );
        };
        {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            // A page made before the latest change is not kept (the counter never goes back).
            if counter > cache.counter {
                cache.pages.clear();
                cache.counter = counter;
            }
            if counter == cache.counter && cache.pages.len() < CACHE_ENTRIES {
                cache.pages.insert(key, (kind, bytes.clone()));
            }
        }
        Response::from_parts(parts, axum::body::Body::from(bytes))
    }

    fn ctx(&self) -> Ctx {
        Ctx::served(*self.changes.borrow())
    }
}

async fn list_page(
    State(app): State<App>,
    Query(q): Query<list::ListQuery>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let want = want(&headers, &raw);
    let filter = match q.filter(&app.bounds) {
        Ok(filter) => filter,
        Err(why) => return error(want, StatusCode::BAD_REQUEST, &why),
    };
    let ctx = app.ctx();
    match app.db.run(move |h| list::load(h, filter)).await {
        Ok(data) => respond(want, "bugs", &data, |d| list::render(&ctx, d)),
        Err(err) => failed(want, err),
    }
}

async fn bug_page(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<bug::TableQuery>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let want = want(&headers, &raw);
    let table = match q.table(&app.bounds) {
        Ok(table) => table,
        Err(why) => return error(want, StatusCode::BAD_REQUEST, &why),
    };
    let ctx = app.ctx();
    let asked = id.clone();
    match app.db.run(move |h| bug::load(h, &asked, table)).await {
        Ok(Some(data)) => respond(want, "bug", &data, |d| bug::render(&ctx, d)),
        Ok(None) => error(want, StatusCode::NOT_FOUND, &format!("no bug {id}")),
        Err(err) => failed(want, err),
    }
}

async fn load_crash(
    app: &App,
    log: String,
    position: u64,
) -> anyhow::Result<Option<crash::CrashPage>> {
    let rules = app.rules.clone();
    app.db
        .run(move |h| crash::load(h, &log, position, &rules))
        .await
}

async fn crash_page(
    State(app): State<App>,
    Path((log, position)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let want = want(&headers, &raw);
    let ctx = app.ctx();
    match load_crash(&app, log, position).await {
        Ok(Some(data)) => respond(want, "crash", &data, |d| crash::render(&ctx, d)),
        Ok(None) => error(want, StatusCode::NOT_FOUND, "no such crash"),
        Err(err) => failed(want, err),
    }
}

async fn crash_text(
    State(app): State<App>,
    Path((log, position)): Path<(String, u64)>,
) -> Response {
    match load_crash(&app, log, position).await {
        Ok(Some(data)) if !data.raw.is_empty() => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "inline"),
            ],
            crash::raw_text(&data),
        )
            .into_response(),
        Ok(Some(data)) => error(
            Want::Html,
            StatusCode::NOT_FOUND,
            data.unavailable.as_deref().unwrap_or("no log lines"),
        ),
        Ok(None) => error(Want::Html, StatusCode::NOT_FOUND, "no such crash"),
        Err(err) => failed(Want::Html, err),
    }
}

async fn runs_page(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let want = want(&headers, &raw);
    let ctx = app.ctx();
    match app.db.run(|h| run::load_runs(h, 1000)).await {
        Ok(data) => respond(want, "runs", &data, |d| run::render_runs(&ctx, d)),
        Err(err) => failed(want, err),
    }
}

async fn run_page(
    State(app): State<App>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let want = want(&headers, &raw);
    let ctx = app.ctx();
    let per_page = app.bounds.max_per_page;
    let asked = key.clone();
    match app
        .db
        .run(move |h| run::load_run(h, &asked, per_page))
        .await
    {
        Ok(Some(data)) => respond(want, "run", &data, |d| run::render_run(&ctx, d)),
        Ok(None) => error(want, StatusCode::NOT_FOUND, &format!("no run {key}")),
        Err(err) => failed(want, err),
    }
}

async fn node_page(
    State(app): State<App>,
    Path(name): Path<String>,
    Query(q): Query<bug::TableQuery>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let want = want(&headers, &raw);
    let table = match q.table(&app.bounds) {
        Ok(table) => table,
        Err(why) => return error(want, StatusCode::BAD_REQUEST, &why),
    };
    let ctx = app.ctx();
    let asked = name.clone();
    match app.db.run(move |h| node::load(h, &asked, table)).await {
        Ok(Some(data)) => respond(want, "node", &data, |d| node::render(&ctx, d)),
        Ok(None) => error(want, StatusCode::NOT_FOUND, &format!("no node {name}")),
        Err(err) => failed(want, err),
    }
}

async fn graphs_page(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let want = want(&headers, &raw);
    let ctx = app.ctx();
    match app.db.run(|h| h.graphs()).await {
        Ok(data) => respond(want, "graphs", &data, |d| node::render_graphs(&ctx, d)),
        Err(err) => failed(want, err),
    }
}

/// The change counter, for clients that poll instead of following `/events`.
async fn changes(State(app): State<App>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({"version": JSON_VERSION, "counter": *app.changes.borrow()}).to_string(),
    )
        .into_response()
}

/// Live updates: an event `change` with the counter now, then on every change, until the
/// server stops.
async fn events(State(app): State<App>) -> Response {
    let streams = app.streams.clone();
    if streams.fetch_add(1, Ordering::SeqCst) >= app.bounds.max_streams {
        streams.fetch_sub(1, Ordering::SeqCst);
        return error(
            Want::Html,
            StatusCode::SERVICE_UNAVAILABLE,
            "too many live pages are open",
        );
    }
    struct Open(Arc<AtomicUsize>);
    impl Drop for Open {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let open = Open(streams);
    let mut shutdown = app.shutdown.clone();
    let stream = futures_util::stream::unfold(
        (app.changes.clone(), true, open),
        |(mut rx, first, open)| async move {
            if !first && rx.changed().await.is_err() {
                return None;
            }
            let counter = *rx.borrow_and_update();
            let event = Event::default().event("change").data(counter.to_string());
            Some((Ok::<_, Infallible>(event), (rx, false, open)))
        },
    )
    .take_until(async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        layout::STYLE,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        layout::SCRIPT,
    )
        .into_response()
}

async fn not_found(RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    error(want(&headers, &raw), StatusCode::NOT_FOUND, "no such page")
}
