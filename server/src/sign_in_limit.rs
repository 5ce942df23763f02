//! The rate limit on sign-in attempts, per client address.
//!
//! Starting a sign-in (`/auth/login`) and finishing one (`/auth/callback`) cost more than a page:
//! a login seals a cookie and sends the browser to ISC's sign-in page, and a callback makes a
//! token request to ISC. A flood of them could get the console's OAuth client throttled at ISC
//! (nothing is stored for them: see `auth::pending`). They are therefore
//! limited per client address ([`client_ip`]: the TCP peer, or what a trusted proxy says), with
//! a token bucket (`tower_governor`, on `governor`'s GCRA).
//!
//! Over the limit the answer is `429 Too Many Requests` with `Retry-After` and a small page
//! saying so.
//!
//! The default ([`SignInLimit::DEFAULT_BURST`] attempts at once, one more every
//! [`SignInLimit::DEFAULT_REPLENISH_EVERY`]) is far above what a person does: one sign-in is two
//! requests (login, callback), so 30 is fifteen sign-ins back to back, and 30 a minute after
//! that. It leaves room for a team behind one address (a NAT, or a proxy that is not in
//! `CONSOLE_TRUSTED_PROXIES`) signing in together in the morning: with one attempt every three
//! seconds (the first choice), the browser test suite alone, signing in from one address some
//! thirty times in a minute, was refused now and then. A script is down to one request a second
//! after its first thirty.
//!
//! The limiter keeps one entry per address seen; [`SignInLimit::spawn_housekeeping`] drops the
//! entries that are back to a full budget every minute, so a flood from many addresses cannot
//! grow the map without bound.

use std::convert::Infallible;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use app::routes::Base;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::Route;
use tower::util::BoxCloneSyncServiceLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use crate::client_addr::{TrustedProxies, request_client_ip};

/// The rate limit's key: the client address ([`request_client_ip`]), from the
/// `ConnectInfo<SocketAddr>` peer and, when the peer is a trusted proxy, its forwarding headers.
/// A request without connection info has no key (the server must be served with
/// `into_make_service_with_connect_info::<SocketAddr>()`).
#[derive(Debug, Clone)]
pub struct ClientKey {
    trusted: Arc<TrustedProxies>,
}

impl ClientKey {
    /// A key extractor believing forwarding headers from `trusted` proxies only.
    pub fn new(trusted: Arc<TrustedProxies>) -> ClientKey {
        ClientKey { trusted }
    }
}

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        request_client_ip(request, &self.trusted).ok_or(GovernorError::UnableToExtractKey)
    }
}

/// The layer to put on the sign-in routes (`Router::route_layer`, or `MethodRouter::layer`).
/// Every clone shares the one limiter.
pub type SignInLayer = BoxCloneSyncServiceLayer<Route, Request, Response, Infallible>;

/// The sign-in rate limit: a shared per-address limiter, its layer, and its housekeeping.
#[derive(Clone)]
pub struct SignInLimit {
    layer: SignInLayer,
    /// Drops the addresses back to a full budget and returns how many are left; None once the
    /// limiter is gone (every layer and every `SignInLimit` dropped).
    housekeep: Arc<dyn Fn() -> Option<usize> + Send + Sync>,
    /// How many addresses the limiter holds.
    tracked: Arc<dyn Fn() -> usize + Send + Sync>,
    burst: u32,
    replenish_every: Duration,
}

impl SignInLimit {
    /// Attempts an address may make at once.
    pub const DEFAULT_BURST: u32 = 30;
    /// After the burst, one more attempt per address each this long.
    pub const DEFAULT_REPLENISH_EVERY: Duration = Duration::from_secs(1);
    /// How often [`spawn_housekeeping`](Self::spawn_housekeeping) drops idle addresses.
    pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);

    /// The default limit for sign-in: [`DEFAULT_BURST`](Self::DEFAULT_BURST) and
    /// [`DEFAULT_REPLENISH_EVERY`](Self::DEFAULT_REPLENISH_EVERY).
    pub fn for_sign_in(trusted: Arc<TrustedProxies>, base: Base) -> SignInLimit {
        match SignInLimit::new(
            trusted,
            base,
            SignInLimit::DEFAULT_BURST,
            SignInLimit::DEFAULT_REPLENISH_EVERY,
        ) {
            Ok(limit) => limit,
            Err(error) => unreachable!("the default sign-in limit is valid: {error}"),
        }
    }

    /// `burst` attempts per client address at once, then one more each `replenish_every`.
    /// Neither may be zero.
    /// `base`: where the console is mounted (the refusal page links to its sign-in page).
    pub fn new(
        trusted: Arc<TrustedProxies>,
        base: Base,
        burst: u32,
        replenish_every: Duration,
    ) -> Result<SignInLimit, String> {
        if burst == 0 {
            return Err("the sign-in burst must be at least 1".to_string());
        }
        if replenish_every.is_zero() {
            return Err("the sign-in replenish period must be longer than zero".to_string());
        }
        let config = GovernorConfigBuilder::default()
            .key_extractor(ClientKey::new(trusted))
            .period(replenish_every)
            .burst_size(burst)
            .finish()
            .ok_or_else(|| "the sign-in limit is not valid".to_string())?;
        let limiter = Arc::downgrade(config.limiter());
        let housekeep = Arc::new(move || {
            let limiter = limiter.upgrade()?;
            limiter.retain_recent();
            limiter.shrink_to_fit();
            Some(limiter.len())
        });
        let limiter = Arc::downgrade(config.limiter());
        let tracked = Arc::new(move || limiter.upgrade().map_or(0, |limiter| limiter.len()));
        let layer = GovernorLayer::new(config).error_handler(move |error| refusal(&base, error));
        Ok(SignInLimit {
            layer: BoxCloneSyncServiceLayer::new(layer),
            housekeep,
            tracked,
            burst,
            replenish_every,
        })
    }

    /// The layer for the sign-in routes. All layers of one `SignInLimit` share its budget.
    pub fn layer(&self) -> SignInLayer {
        self.layer.clone()
    }

    /// Attempts an address may make at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// After the burst, one more attempt each this long.
    pub fn replenish_every(&self) -> Duration {
        self.replenish_every
    }

    /// Drops the addresses whose budget is full again (indistinguishable from a new address) and
    /// returns how many addresses are still held.
    pub fn housekeep(&self) -> usize {
        (self.housekeep)().unwrap_or(0)
    }

    /// How many client addresses the limiter holds.
    pub fn tracked_addresses(&self) -> usize {
        (self.tracked)()
    }

    /// Runs [`housekeep`](Self::housekeep) every [`HOUSEKEEPING_EVERY`](Self::HOUSEKEEPING_EVERY)
    /// on the current Tokio runtime. The task ends by itself once the limiter is gone (every
    /// layer and `SignInLimit` dropped); abort it to stop it sooner.
    pub fn spawn_housekeeping(&self) -> tokio::task::JoinHandle<()> {
        self.spawn_housekeeping_every(SignInLimit::HOUSEKEEPING_EVERY)
    }

    fn spawn_housekeeping_every(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let housekeep = Arc::clone(&self.housekeep);
        crate::housekeeping::spawn_every(every, "sign-in", move || housekeep())
    }
}

impl fmt::Debug for SignInLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInLimit")
            .field("burst", &self.burst)
            .field("replenish_every", &self.replenish_every)
            .field("tracked_addresses", &self.tracked_addresses())
            .finish_non_exhaustive()
    }
}

/// The answer to a refused attempt: over the limit, 429 with `Retry-After` and a page; no client
/// address (served without connection info, a deployment mistake), 500.
fn refusal(base: &Base, error: GovernorError) -> Response {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            // `wait_time` is whole seconds rounded down: round up instead (at least 1), so that
            // a client honouring Retry-After is not refused again.
            too_many_attempts(base, wait_time.saturating_add(1))
        }
        error => {
            tracing::error!(
                %error,
                "sign-in limit: no client address (is the server run with connection info?)"
            );
            let mut response = (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot tell the client address",
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
    }
}

/// 429, `Retry-After: <seconds>`, `Cache-Control: no-store`, and the page. Nothing on the page
/// comes from the request, so nothing needs escaping.
fn too_many_attempts(base: &Base, retry_after: u64) -> Response {
    let wait = match retry_after {
        1 => "1 second".to_string(),
        n => format!("{n} seconds"),
    };
    let mut response = crate::plain_page::render(
        base,
        StatusCode::TOO_MANY_REQUESTS,
        "Too many sign-in attempts",
        &format!("Too many sign-in attempts came from this address. Try again in {wait}."),
        ("Back to sign-in", app::routes::SIGNIN),
    );
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::routing::get;
    use std::net::SocketAddr;
    use tower::ServiceExt;

    fn trusted() -> Arc<TrustedProxies> {
        Arc::new(TrustedProxies::parse("10.0.0.0/8").unwrap())
    }

    fn router(limit: &SignInLimit) -> Router {
        Router::new()
            .route("/auth/login", get(|| async { "signing in" }))
            .route("/auth/callback", get(|| async { "signed in" }))
            .route_layer(limit.layer())
            .route("/groups", get(|| async { "groups" }))
    }

    /// A request from `peer`, with `X-Forwarded-For: forwarded_for` when given.
    fn request(path: &str, peer: &str, forwarded_for: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(path);
        if let Some(forwarded_for) = forwarded_for {
            builder = builder.header("x-forwarded-for", forwarded_for);
        }
        let mut request = builder.body(Body::empty()).unwrap();
        let peer: SocketAddr = SocketAddr::new(peer.parse().unwrap(), 40000);
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    }

    async fn status(router: &Router, request: Request) -> StatusCode {
        router.clone().oneshot(request).await.unwrap().status()
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// Spends `n` attempts from `peer` (through `forwarded_for`), asserting each passes.
    async fn spend(router: &Router, n: u32, peer: &str, forwarded_for: Option<&str>) {
        for i in 0..n {
            assert_eq!(
                status(router, request("/auth/login", peer, forwarded_for)).await,
                StatusCode::OK,
                "attempt {i} from {peer} {forwarded_for:?}"
            );
        }
    }

    #[tokio::test]
    async fn the_burst_passes_and_the_next_attempt_is_refused_with_a_page() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 5, Duration::from_secs(60)).unwrap();
        let router = router(&limit);
        spend(&router, 5, "203.0.113.5", None).await;
        let response = router
            .clone()
            .oneshot(request("/auth/login", "203.0.113.5", None))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let headers = response.headers();
        let retry_after: u64 = headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        assert!(retry_after >= 59, "rounded up: {retry_after}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(!headers.contains_key("x-ratelimit-after"));
        let page = body(response).await;
        assert!(page.contains("<title>Too many sign-in attempts · Sync Groups Console</title>"));
        assert!(page.contains(&format!(
            "<link rel=\"stylesheet\" href=\"/pkg/{}.css\">",
            app::OUTPUT_NAME
        )));
        assert!(page.contains("<main id=\"main\" class=\"page narrow\">"));
        assert!(page.contains("Too many sign-in attempts came from this address"));
        assert!(page.contains(&format!("Try again in {retry_after} seconds.")));
        assert!(page.contains(&format!("href=\"{}\"", app::routes::SIGNIN)));
    }

    #[tokio::test]
    async fn login_and_callback_share_the_budget_and_other_routes_are_not_limited() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 2, Duration::from_secs(60)).unwrap();
        let router = router(&limit);
        spend(&router, 1, "203.0.113.5", None).await;
        assert_eq!(
            status(&router, request("/auth/callback", "203.0.113.5", None)).await,
            StatusCode::OK
        );
        assert_eq!(
            status(&router, request("/auth/callback", "203.0.113.5", None)).await,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            status(&router, request("/groups", "203.0.113.5", None)).await,
            StatusCode::OK
        );
    }

    #[tokio::test]
    async fn every_client_address_has_its_own_budget() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 3, Duration::from_secs(60)).unwrap();
        let router = router(&limit);
        spend(&router, 3, "203.0.113.5", None).await;
        assert_eq!(
            status(&router, request("/auth/login", "203.0.113.5", None)).await,
            StatusCode::TOO_MANY_REQUESTS
        );
        spend(&router, 3, "203.0.113.6", None).await;
        assert_eq!(limit.tracked_addresses(), 2);
    }

    #[tokio::test]
    async fn clients_behind_a_trusted_proxy_have_their_own_budgets() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 3, Duration::from_secs(60)).unwrap();
        let router = router(&limit);
        spend(&router, 3, "10.0.0.1", Some("203.0.113.7")).await;
        assert_eq!(
            status(
                &router,
                request("/auth/login", "10.0.0.1", Some("203.0.113.7"))
            )
            .await,
            StatusCode::TOO_MANY_REQUESTS
        );
        // The same client through another of the proxies: the same budget.
        assert_eq!(
            status(
                &router,
                request("/auth/login", "10.0.0.2", Some("203.0.113.7"))
            )
            .await,
            StatusCode::TOO_MANY_REQUESTS
        );
        // Another client through the same proxy.
        spend(&router, 3, "10.0.0.1", Some("203.0.113.8")).await;
        // The proxy's own budget is untouched.
        spend(&router, 3, "10.0.0.1", None).await;
    }

    #[tokio::test]
    async fn a_spoofed_forwarded_for_from_an_untrusted_peer_gets_no_fresh_budget() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 3, Duration::from_secs(60)).unwrap();
        let router = router(&limit);
        for i in 0..3 {
            let spoofed = format!("198.51.100.{i}");
            spend(&router, 1, "203.0.113.9", Some(&spoofed)).await;
        }
        for spoofed in ["198.51.100.200", "10.0.0.1", "203.0.113.10"] {
            assert_eq!(
                status(
                    &router,
                    request("/auth/login", "203.0.113.9", Some(spoofed))
                )
                .await,
                StatusCode::TOO_MANY_REQUESTS,
                "{spoofed}"
            );
        }
        assert_eq!(limit.tracked_addresses(), 1);
    }

    #[tokio::test]
    async fn ipv4_mapped_peers_are_their_ipv4_address() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 2, Duration::from_secs(60)).unwrap();
        let router = router(&limit);
        spend(&router, 1, "203.0.113.5", None).await;
        spend(&router, 1, "::ffff:203.0.113.5", None).await;
        assert_eq!(
            status(&router, request("/auth/login", "203.0.113.5", None)).await,
            StatusCode::TOO_MANY_REQUESTS
        );
    }

    #[tokio::test]
    async fn without_connection_info_the_answer_is_500() {
        let limit = SignInLimit::for_sign_in(trusted(), Base::default());
        let response = router(&limit)
            .oneshot(
                Request::builder()
                    .uri("/auth/login")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(body(response).await, "cannot tell the client address");
    }

    #[tokio::test]
    async fn the_budget_replenishes() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 1, Duration::from_millis(800)).unwrap();
        let router = router(&limit);
        spend(&router, 1, "203.0.113.5", None).await;
        let refused = router
            .clone()
            .oneshot(request("/auth/login", "203.0.113.5", None))
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        // Less than a second left: still at least one second, and said in the singular.
        assert_eq!(refused.headers()[header::RETRY_AFTER], "1");
        assert!(body(refused).await.contains("Try again in 1 second."));
        tokio::time::sleep(Duration::from_millis(1000)).await;
        spend(&router, 1, "203.0.113.5", None).await;
    }

    #[tokio::test]
    async fn housekeeping_drops_idle_addresses() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 2, Duration::from_millis(20)).unwrap();
        let router = router(&limit);
        for i in 0..10 {
            spend(&router, 1, &format!("203.0.113.{i}"), None).await;
        }
        assert_eq!(limit.tracked_addresses(), 10);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(limit.housekeep(), 0);
        assert_eq!(limit.tracked_addresses(), 0);
    }

    #[tokio::test]
    async fn the_housekeeping_task_runs_and_ends_with_the_limiter() {
        let limit =
            SignInLimit::new(trusted(), Base::default(), 2, Duration::from_millis(5)).unwrap();
        let router = router(&limit);
        spend(&router, 1, "203.0.113.5", None).await;
        let task = limit.spawn_housekeeping_every(Duration::from_millis(20));
        tokio::time::timeout(Duration::from_secs(5), async {
            while limit.tracked_addresses() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap();
        drop(router);
        drop(limit);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[test]
    fn zero_is_not_a_limit() {
        assert!(SignInLimit::new(trusted(), Base::default(), 0, Duration::from_secs(1)).is_err());
        assert!(SignInLimit::new(trusted(), Base::default(), 1, Duration::ZERO).is_err());
        let limit = SignInLimit::for_sign_in(trusted(), Base::default());
        assert_eq!(limit.burst(), 30);
        assert_eq!(limit.replenish_every(), Duration::from_secs(1));
    }
}
