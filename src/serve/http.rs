//! The HTTP side: axum's router over the pages, JSON twins, live updates and the bounds every
//! request is held to.

use super::db::Db;
use super::edit::{self, Action, Editor};
use super::layout::{self, Ctx, Editing};
use super::pages::{bug, crash, edit as edit_pages, list, node, run};
use super::{Bounds, Options};
use crate::config::limits::Limits;
use crate::identity::rules::RuleSet;
use axum::extract::{Form, Path, Query, RawQuery, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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

/// Pages answered, by request (path, query, JSON or not): fifty clients on the same page cost
/// one page per change of the history. At most [`CACHE_ENTRIES`] pages of at most
/// [`CACHE_BYTES`] each.
///
/// Single flight: requests that miss while the same page is being made wait for that one making
/// instead of making it again (fifty clients after a write cost one page, not fifty).
///
/// Bounded staleness: after a change, a page kept from before it is still answered while one
/// request makes the new one, for requests that waited [`stale_grace`] for it in vain. A stale
/// page is at most [`STALE_MAX`] old (since it was made) and at most one making behind: its
/// making for the current counter is under way. A live page's refresh (it sends
/// [`FRESH_HEADER`]) and a signed-in editor's pages are never stale.
#[derive(Default)]
struct Cache {
    counter: u64,
    pages: std::collections::HashMap<(String, bool), Kept>,
    /// Makings for the current counter.
    making: std::collections::HashMap<(String, bool), Arc<Making>>,
}

/// A page kept: the counter it was made at, when, its headers and bytes.
struct Kept {
    counter: u64,
    made: std::time::Instant,
    headers: HeaderMap,
    body: axum::body::Bytes,
}

/// A page being made: its status, headers and bytes once made (`None`: too large to share).
type Made = Option<(StatusCode, HeaderMap, axum::body::Bytes)>;
type Making = tokio::sync::OnceCell<Made>;

/// What the cache has for a request.
enum Lookup {
    /// The page at the current counter.
    Hit(Response),
    /// The making to join or to do (`true`: nobody does it yet), and a page kept from an
    /// older counter that may be answered instead.
    Miss(Arc<Making>, bool, Option<Response>),
}

const CACHE_ENTRIES: usize = 512;
const CACHE_BYTES: usize = 4 << 20;

/// How long a request with a stale page at hand waits for the fresh one before answering the
/// stale one: 30 ms, or `LEGOLOG_SERVE_STALE_GRACE_MS` (the tests set 0 to see the stale page
/// every time).
fn stale_grace() -> Duration {
    static GRACE: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *GRACE.get_or_init(|| {
        let ms = std::env::var("LEGOLOG_SERVE_STALE_GRACE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30);
        Duration::from_millis(ms)
    })
}

/// The oldest page answered stale.
const STALE_MAX: Duration = Duration::from_secs(10);

/// The request header of a live page's refresh: it wants the page as of now, never a stale one.
pub const FRESH_HEADER: &str = "x-legolog-fresh";

/// The bug list's counts by filter ([`crate::history::views::BugFilter::count_key`]), for
/// one change counter: counting a tab walks every bug in it, so requests for the same filter
/// (its sorts, its pages, its JSON twin) count it once per change of the history, and the
/// requests that come while it is being counted wait for that count. At most
/// [`TOTALS_ENTRIES`] filters.
#[derive(Default)]
struct Totals {
    counter: u64,
    totals: std::collections::HashMap<String, Arc<tokio::sync::OnceCell<u64>>>,
}

const TOTALS_ENTRIES: usize = 1024;

/// [`Totals`] shared by the handlers.
#[derive(Clone, Default)]
struct SharedTotals(Arc<std::sync::Mutex<Totals>>);

impl SharedTotals {
    /// The count of `key` at `counter`, made or being made by a request at the same counter,
    /// or for this request to make; `None` for a counter older than the newest seen, or when
    /// full (the page counts for itself).
    fn cell(&self, counter: u64, key: String) -> Option<Arc<tokio::sync::OnceCell<u64>>> {
        let mut totals = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if counter < totals.counter {
            return None;
        }
        if counter > totals.counter {
            totals.counter = counter;
            totals.totals.clear();
        }
        if totals.totals.len() >= TOTALS_ENTRIES && !totals.totals.contains_key(&key) {
            return None;
        }
        Some(Arc::clone(totals.totals.entry(key).or_default()))
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    cache: Arc<std::sync::Mutex<Cache>>,
    totals: SharedTotals,
    db: Db,
    rules: Arc<RuleSet>,
    limits: Arc<Limits>,
    bounds: Arc<Bounds>,
    changes: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
    streams: Arc<AtomicUsize>,
    editor: Option<Arc<Editor>>,
    locator: Option<Arc<crate::symbolize::locate::LocateOptions>>,
}

/// Binds, says where on stderr, and serves until Ctrl-C (or SIGTERM).
pub async fn serve(
    options: Options,
    db: Db,
    changes: watch::Receiver<u64>,
    editor: Option<Arc<Editor>>,
) -> anyhow::Result<()> {
    let rules = Arc::new(RuleSet::load(None, &options.limits)?);
    let (stop_tx, stop_rx) = watch::channel(false);
    let app = App {
        cache: Arc::default(),
        totals: SharedTotals::default(),
        db,
        rules,
        limits: Arc::new(options.limits.clone()),
        bounds: Arc::new(Bounds::standard(options.timeout)),
        changes,
        shutdown: stop_rx,
        streams: Arc::new(AtomicUsize::new(0)),
        editor,
        locator: options.locator.clone(),
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|err| anyhow::anyhow!("{}: cannot listen: {err}", options.listen))?;
    let addr = listener.local_addr()?;
    match &options.edit {
        None => crate::eprint_safe!(
            "legolog: serving {} read-only at http://{addr}/ (Ctrl-C stops)",
            app.db.name()
        ),
        Some(access) => {
            crate::eprint_safe!(
                "legolog: serving {} with edits at http://{addr}/ (Ctrl-C stops)",
                app.db.name()
            );
            if access.made {
                crate::eprint_safe!(
                    "legolog: edit token {} (sign in at http://{addr}/login)",
                    access.token
                );
            } else {
                crate::eprint_safe!(
                    "legolog: edits need the given token (sign in at http://{addr}/login)"
                );
            }
        }
    }
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
        .route("/bug/{id}/edit", post(edit_bug))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
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
    } else if request.method() != axum::http::Method::GET
        || edit::has_session_cookie(request.headers())
    {
        // Edits, and the pages of a signed-in editor (their forms carry the session's token),
        // are made for that request alone.
        match tokio::time::timeout(app.bounds.timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => error(
                Want::Html,
                StatusCode::SERVICE_UNAVAILABLE,
                "the request took longer than the server's time limit",
            ),
        }
    } else {
        let key = (
            uri.to_string(),
            want(request.headers(), &uri.query().map(str::to_owned)) == Want::Json,
        );
        let counter = *app.changes.borrow();
        let stale_ok = !request.headers().contains_key(FRESH_HEADER);
        match app.cached(&key, counter, stale_ok) {
            Lookup::Hit(hit) => hit,
            Lookup::Miss(making, _, None) => app.make(key, counter, making, request, next).await,
            Lookup::Miss(making, start, Some(stale)) => {
                // Made once, in the background, whether or not this request waits for it.
                let build = {
                    let app = app.clone();
                    let making = Arc::clone(&making);
                    async move { app.make(key, counter, making, request, next).await }
                };
                let grace = stale_grace();
                if grace.is_zero() {
                    // No wait at all: a zero-length timer may still let the making run first
                    // (the timer's granularity is a millisecond), so the stale page is answered
                    // without polling it.
                    tokio::spawn(build);
                    stale
                } else if start {
                    match tokio::time::timeout(grace, tokio::spawn(build)).await {
                        Ok(Ok(fresh)) => fresh,
                        _ => stale,
                    }
                } else {
                    // Joins the making under way (or takes it over if its request went away).
                    tokio::time::timeout(grace, build).await.unwrap_or(stale)
                }
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
        HeaderValue::from_static("same-origin"),
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
    /// The page kept for `key` at `counter`, else the making of it to join (or to do), with a
    /// stale page when `stale_ok` and one younger than [`STALE_MAX`] is kept.
    fn cached(&self, key: &(String, bool), counter: u64, stale_ok: bool) -> Lookup {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if counter > cache.counter {
            // The history moved: what is being made is not current any more; what is kept
            // may still be answered stale.
            cache.making.clear();
            cache.counter = counter;
        }
        let kept = cache.pages.get(key);
        if let Some(kept) = kept.filter(|kept| kept.counter == counter) {
            return Lookup::Hit((kept.headers.clone(), kept.body.clone()).into_response());
        }
        let stale = kept
            .filter(|kept| stale_ok && kept.counter < counter && kept.made.elapsed() < STALE_MAX)
            .map(|kept| (kept.headers.clone(), kept.body.clone()).into_response());
        if cache.counter != counter {
            // A counter older than the cache's (a request that read it before a change): made
            // for itself alone.
            return Lookup::Miss(Arc::new(Making::new()), true, None);
        }
        if let Some(making) = cache.making.get(key) {
            return Lookup::Miss(Arc::clone(making), false, stale);
        }
        let making = Arc::new(Making::new());
        if cache.making.len() < CACHE_ENTRIES {
            cache.making.insert(key.clone(), Arc::clone(&making));
        }
        Lookup::Miss(making, true, stale)
    }

    /// Makes the page (or waits for the request already making it), within the time limit,
    /// and keeps it when it is a success.
    async fn make(
        &self,
        key: (String, bool),
        counter: u64,
        making: Arc<Making>,
        request: Request,
        next: Next,
    ) -> Response {
        let timeout = self.bounds.timeout;
        let mut own = None;
        let made = tokio::time::timeout(
            timeout,
            making.get_or_init(|| async {
                let response = next.run(request).await;
                let status = response.status();
                let (parts, body) = response.into_parts();
                match axum::body::to_bytes(body, CACHE_BYTES).await {
                    Ok(bytes) => Some((status, parts.headers, bytes)),
                    Err(_) => {
                        own = Some(error(
                            Want::Html,
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "a page larger than the server's limit",
                        ));
                        None
                    }
                }
            }),
        )
        .await;
        let made = match made {
            Ok(made) => made.clone(),
            Err(_) => {
                return error(
                    Want::Html,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the request took longer than the server's time limit",
                )
            }
        };
        let Some((status, headers, bytes)) = made else {
            return own.unwrap_or_else(|| {
                error(
                    Want::Html,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "a page larger than the server's limit",
                )
            });
        };
        {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if cache
                .making
                .get(&key)
                .is_some_and(|m| Arc::ptr_eq(m, &making))
            {
                cache.making.remove(&key);
            }
            // Only successes are kept, and never over a page of a later counter. When full,
            // the pages of older counters go first.
            if status == StatusCode::OK
                && cache
                    .pages
                    .get(&key)
                    .is_none_or(|kept| kept.counter <= counter)
            {
                if cache.pages.len() >= CACHE_ENTRIES && !cache.pages.contains_key(&key) {
                    let now = cache.counter;
                    cache.pages.retain(|_, kept| kept.counter == now);
                }
                if cache.pages.len() < CACHE_ENTRIES || cache.pages.contains_key(&key) {
                    cache.pages.insert(
                        key,
                        Kept {
                            counter,
                            made: std::time::Instant::now(),
                            headers: headers.clone(),
                            body: bytes.clone(),
                        },
                    );
                }
            }
        }
        (status, headers, bytes).into_response()
    }

    /// The links and edit state of a page answering a request with `headers`.
    fn ctx(&self, headers: &HeaderMap) -> Ctx {
        let mut ctx = Ctx::served(*self.changes.borrow());
        ctx.editing = match &self.editor {
            None => Editing::Off,
            Some(editor) => match editor.session(headers) {
                Some(session) => Editing::SignedIn {
                    form_token: editor.form_token(&session),
                    who: session.who,
                },
                None => Editing::SignedOut,
            },
        };
        ctx
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
    let ctx = app.ctx(&headers);
    // The counter is read before counting, so a count is never kept under a later counter
    // than the history it saw.
    let counter = *app.changes.borrow();
    let cell = filter
        .count_key()
        .and_then(|key| app.totals.cell(counter, key));
    let total = match cell {
        Some(cell) => {
            let db = app.db.clone();
            let asked = filter.clone();
            cell.get_or_try_init(|| async move { db.read(move |h| h.bug_count(&asked)).await })
                .await
                .ok()
                .copied()
        }
        None => None,
    };
    match app.db.read(move |h| list::load(h, filter, total)).await {
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
    let ctx = app.ctx(&headers);
    let asked = id.clone();
    match app.db.read(move |h| bug::load(h, &asked, table)).await {
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
    let limits = app.limits.clone();
    let app_locator = app.locator.clone();
    app.db
        .read(move |h| match app_locator {
            None => crash::load(h, &log, position, (&rules, &limits), None),
            Some(options) => crash::with_locator(&options, |locator| {
                crash::load(h, &log, position, (&rules, &limits), Some(locator))
            }),
        })
        .await
}

async fn crash_page(
    State(app): State<App>,
    Path((log, position)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let want = want(&headers, &raw);
    let ctx = app.ctx(&headers);
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
    let ctx = app.ctx(&headers);
    match app.db.read(|h| run::load_runs(h, 1000)).await {
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
    let ctx = app.ctx(&headers);
    let per_page = app.bounds.max_per_page;
    let asked = key.clone();
    let limits = app.limits.clone();
    match app
        .db
        .read(move |h| run::load_run(h, &asked, per_page, &limits))
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
    let ctx = app.ctx(&headers);
    let asked = name.clone();
    match app.db.read(move |h| node::load(h, &asked, table)).await {
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
    let ctx = app.ctx(&headers);
    match app.db.read(|h| h.graphs()).await {
        Ok(data) => respond(want, "graphs", &data, |d| node::render_graphs(&ctx, d)),
        Err(err) => failed(want, err),
    }
}

/// A refused edit: 403, and nothing changed.
fn refused(want: Want, why: &str) -> Response {
    error(want, StatusCode::FORBIDDEN, why)
}

const EDITS_OFF: &str = "edits are off: this server was started without --edit";

/// 303 to `to`, with an optional `Set-Cookie`.
fn see_other(to: &str, cookie: Option<String>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn login_page(State(app): State<App>, headers: HeaderMap) -> Response {
    let ctx = app.ctx(&headers);
    let markup = edit_pages::render_login(&ctx, None);
    let status = if app.editor.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// Signs an editor in: this server's page, the token, a name; answers with the session cookie.
async fn login(
    State(app): State<App>,
    headers: HeaderMap,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(editor) = &app.editor else {
        return refused(Want::Html, EDITS_OFF);
    };
    if let Err(why) = edit::same_origin(&headers) {
        return refused(Want::Html, why);
    }
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    if token.len() > edit::MAX_FIELD || !editor.token_matches(token) {
        return refused(Want::Html, "that is not this server's edit token");
    }
    let who = match edit::editor_name(form.get("name").map(String::as_str).unwrap_or_default()) {
        Ok(who) => who,
        Err(why) => return error(Want::Html, StatusCode::BAD_REQUEST, &why),
    };
    match editor.sign_in(&who) {
        Ok(id) => see_other("/", Some(edit::session_cookie(&id))),
        Err(err) => failed(Want::Html, err),
    }
}

async fn logout(
    State(app): State<App>,
    headers: HeaderMap,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(editor) = &app.editor else {
        return refused(Want::Html, EDITS_OFF);
    };
    if let Err(why) = edit::same_origin(&headers) {
        return refused(Want::Html, why);
    }
    if let Some(session) = editor.session(&headers) {
        let csrf = form.get("csrf").map(String::as_str).unwrap_or_default();
        if !editor.form_token_matches(&session, csrf) {
            return refused(
                Want::Html,
                "the form's token is missing or stale: reload the page",
            );
        }
        editor.sign_out(&session);
    }
    see_other("/", Some(edit::cleared_cookie()))
}

/// One edit of a bug from its page: only with `--edit`, from this server's page, by a
/// signed-in editor whose form carries their session's token. Then 303 back to the bug.
async fn edit_bug(
    State(app): State<App>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let want = want(&headers, &raw);
    let Some(editor) = app.editor.clone() else {
        return refused(want, EDITS_OFF);
    };
    if let Err(why) = edit::same_origin(&headers) {
        return refused(want, why);
    }
    let Some(session) = editor.session(&headers) else {
        return refused(want, "sign in with this server's edit token first (/login)");
    };
    let csrf = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !editor.form_token_matches(&session, csrf) {
        return refused(
            want,
            "the form's token is missing or stale: reload the page",
        );
    }
    let action = match Action::from_form(&form) {
        Ok(action) => action,
        Err(why) => return error(want, StatusCode::BAD_REQUEST, &why),
    };
    let asked = id.clone();
    let who = session.who.clone();
    match editor
        .db()
        .run(move |h| action.apply(h, &asked, &who))
        .await
    {
        Ok(Some(next)) => see_other(&Ctx::served(0).bug(&next), None),
        Ok(None) => error(want, StatusCode::NOT_FOUND, &format!("no bug {id}")),
        // The lifecycle's refusals (a dup cannot be fixed, a chain would loop, …).
        Err(err) => error(want, StatusCode::BAD_REQUEST, &format!("{err:#}")),
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
