//! HTTP calls to ISC with the console's rules: timeouts everywhere, ids validated and encoded
//! into paths, one token renewal on 401, bounded retries for GETs only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};

use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::budget::{self, Budget};
use super::error::IscError;
use super::ids::is_valid_id;
use super::model::{ErrorResponse, PasswordPolicy, PasswordSyncGroup, Source};
use super::search::SearchRequest;
use app::caller::Credential;

/// ISC's maximum page size for list endpoints.
pub const PAGE_SIZE: usize = 250;
/// A safety stop for paging (250 × 400 = 100 000 objects).
const MAX_PAGES: usize = 400;
/// Pages of one list fetched at the same time once the first page has told the total: a far
/// tenant's 2,000 groups cost about two round trips, not eight (the budget still applies).
const CONCURRENT_PAGES: usize = 8;
/// Error bodies are read up to this size; anything longer is not an ErrorResponseDto.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// How GETs are retried. Writes are never retried once they may have reached ISC.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    /// First backoff after a transient failure; doubles each time.
    pub backoff: Duration,
    /// Total time a request may spend waiting on Retry-After before giving up.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            backoff: Duration::from_millis(250),
            max_rate_limit_wait: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub struct IscClient {
    http: reqwest::Client,
    /// e.g. `https://acme.api.identitynow.com/` (always ends with `/`).
    root: Url,
    version: String,
    retry: RetryPolicy,
    /// Shared by clones: one budget per process.
    budget: Arc<Budget>,
}

impl IscClient {
    /// `api_url` is the tenant's API host (with a path prefix for the embedded sandbox);
    /// `version` the API version segment (`beta`, `v3`, …).
    pub fn new(
        api_url: &Url,
        version: &str,
        connect_timeout: Duration,
        request_timeout: Duration,
    ) -> Result<IscClient, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(request_timeout)
            // A redirect from an API or token endpoint is never legitimate; following one could
            // send a bearer token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sync-groups-console/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let mut root = api_url.clone();
        if !root.path().ends_with('/') {
            let path = format!("{}/", root.path());
            root.set_path(&path);
        }
        Ok(IscClient {
            http,
            root,
            version: version.to_string(),
            retry: RetryPolicy::default(),
            budget: Arc::new(Budget::new(
                budget::DEFAULT_LIMIT,
                budget::WINDOW,
                request_timeout,
            )),
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> IscClient {
        self.retry = retry;
        self
    }

    /// At most `per_window` requests per client id and API version in any 10 s (ISC allows
    /// 100); a request waits its turn up to the request timeout.
    pub fn with_budget(mut self, per_window: u32, max_wait: Duration) -> IscClient {
        self.budget = Arc::new(Budget::new(per_window, budget::WINDOW, max_wait));
        self
    }

    /// The HTTP client, shared with token sources so they get the same timeouts and no redirects.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `{api}/oauth/token`.
    pub fn token_url(&self) -> Result<Url, IscError> {
        self.root
            .join("oauth/token")
            .map_err(|_| IscError::BadApiUrl)
    }

    /// `{api}/{version}/{collection}[/{id}]`, the id percent-encoded as one path segment.
    fn url(&self, collection: &str, id: Option<&str>) -> Result<Url, IscError> {
        let mut url = self.root.clone();
        {
            let mut segments = url.path_segments_mut().map_err(|_| IscError::BadApiUrl)?;
            segments.pop_if_empty().push(&self.version).push(collection);
            if let Some(id) = id {
                if !is_valid_id(id) {
                    return Err(IscError::InvalidId);
                }
                segments.push(id);
            }
        }
        Ok(url)
    }

    /// `{api}/{version}/{collection}` for an operation ISC serves under a fixed version (search
    /// is a v3 API; the sync-group operations follow the configured version).
    fn url_in(&self, version: &str, collection: &str) -> Result<Url, IscError> {
        let mut url = self.root.clone();
        url.path_segments_mut()
            .map_err(|_| IscError::BadApiUrl)?
            .pop_if_empty()
            .push(version)
            .push(collection);
        Ok(url)
    }

    /// Sends one request with the retry rules; returns the successful response. `operation`
    /// names it in the metrics.
    async fn execute<B: Serialize + ?Sized>(
        &self,
        operation: &'static str,
        auth: &dyn Credential,
        method: Method,
        url: Url,
        body: Option<&B>,
    ) -> Result<reqwest::Response, IscError> {
        let read = method == Method::GET;
        let version = self.version.clone();
        self.execute_as(operation, auth, &version, method, url, body, read)
            .await
    }

    /// [`execute`](Self::execute), saying whether the request only reads (a search is a POST
    /// that changes nothing): only reads are repeated after a request may have reached ISC.
    #[expect(
        clippy::too_many_arguments,
        reason = "private; every caller names each of them at its one call site"
    )]
    async fn execute_as<B: Serialize + ?Sized>(
        &self,
        operation: &'static str,
        auth: &dyn Credential,
        version: &str,
        method: Method,
        url: Url,
        body: Option<&B>,
        idempotent_read: bool,
    ) -> Result<reqwest::Response, IscError> {
        let mut token = auth.access_token().await?;
        let mut renewed = false;
        let mut attempt = 1;
        let mut rate_limit_waited = Duration::ZERO;
        loop {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(&token)
                .header(ACCEPT, "application/json");
            if let Some(body) = body {
                request = request.json(body);
            }
            self.budget
                .acquire(auth.client_id(), version)
                .await
                .map_err(|over| {
                    crate::metrics::isc_over_budget(operation);
                    IscError::RateLimited {
                        retry_after: over.retry_after,
                    }
                })?;
            let started = Instant::now();
            let sent = request.send().await;
            crate::metrics::isc_call(
                operation,
                sent.as_ref().map(|r| r.status().as_u16()),
                started,
            );
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    let error = IscError::from_reqwest(&e);
                    if idempotent_read && error.is_transport() && attempt < self.retry.max_attempts
                    {
                        crate::metrics::isc_retry(operation, "no_answer");
                        tokio::time::sleep(self.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(error);
                }
            };
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            match status {
                // ISC's gateway refuses a bad token before it handles the request, so one retry
                // with a renewed token is safe for writes too.
                StatusCode::UNAUTHORIZED if !renewed => {
                    renewed = true;
                    token = auth.renew(&token).await?;
                }
                StatusCode::UNAUTHORIZED => return Err(IscError::Unauthorized),
                StatusCode::TOO_MANY_REQUESTS => {
                    crate::metrics::isc_rate_limited(operation);
                    let wait = retry_after(response.headers());
                    let within_budget = rate_limit_waited + wait <= self.retry.max_rate_limit_wait;
                    if idempotent_read && attempt < self.retry.max_attempts && within_budget {
                        crate::metrics::isc_retry(operation, "rate_limited");
                        tokio::time::sleep(wait).await;
                        rate_limit_waited += wait;
                        attempt += 1;
                    } else {
                        return Err(IscError::RateLimited { retry_after: wait });
                    }
                }
                s if idempotent_read && is_transient(s) && attempt < self.retry.max_attempts => {
                    crate::metrics::isc_retry(operation, "server_error");
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt += 1;
                }
                _ => return Err(status_error(response).await),
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.retry.backoff * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        auth: &dyn Credential,
        url: Url,
    ) -> Result<(T, HeaderMap), IscError> {
        let response = self
            .execute::<()>(operation, auth, Method::GET, url, None)
            .await?;
        let headers = response.headers().clone();
        let body = response
            .json::<T>()
            .await
            .map_err(|e| IscError::from_reqwest(&e))?;
        Ok((body, headers))
    }

    /// One page of a collection and, when `count`, the total ISC reports (`X-Total-Count`).
    async fn list_page<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        auth: &dyn Credential,
        collection: &str,
        offset: usize,
        count: bool,
    ) -> Result<(Vec<T>, Option<usize>), IscError> {
        let mut url = self.url(collection, None)?;
        url.query_pairs_mut()
            .append_pair("limit", &PAGE_SIZE.to_string())
            .append_pair("offset", &offset.to_string())
            .append_pair("count", if count { "true" } else { "false" });
        let (page, headers): (Vec<T>, _) = self.get_json(operation, auth, url).await?;
        let total = headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        Ok((page, total))
    }

    /// Every object of a collection: the first page with `count=true`, then the rest of the
    /// pages the total announces, [`CONCURRENT_PAGES`] at a time, in order; then on, one page
    /// at a time, while pages come back full (the collection grew meanwhile, or no total).
    async fn list_all<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        auth: &dyn Credential,
        collection: &str,
    ) -> Result<Vec<T>, IscError> {
        let (mut all, total) = self
            .list_page::<T>(operation, auth, collection, 0, true)
            .await?;
        let mut last_full = all.len() == PAGE_SIZE;
        if let Some(total) = total.filter(|_| last_full) {
            let end = total.min(MAX_PAGES * PAGE_SIZE);
            let pages: Vec<Vec<T>> = futures::stream::iter((PAGE_SIZE..end).step_by(PAGE_SIZE))
                .map(|offset| async move {
                    self.list_page::<T>(operation, auth, collection, offset, false)
                        .await
                        .map(|(page, _)| page)
                })
                .buffered(CONCURRENT_PAGES)
                .try_collect()
                .await?;
            for page in pages {
                last_full = page.len() == PAGE_SIZE;
                all.extend(page);
            }
        }
        for _ in 0..MAX_PAGES {
            let all_there = total.is_some_and(|t| all.len() >= t);
            if !last_full || all_there || all.len() >= MAX_PAGES * PAGE_SIZE {
                break;
            }
            let (page, _) = self
                .list_page::<T>(operation, auth, collection, all.len(), false)
                .await?;
            last_full = page.len() == PAGE_SIZE;
            all.extend(page);
        }
        Ok(all)
    }

    pub async fn list_sync_groups(
        &self,
        auth: &dyn Credential,
    ) -> Result<Vec<PasswordSyncGroup>, IscError> {
        self.list_all("list_sync_groups", auth, "password-sync-groups")
            .await
    }

    pub async fn get_sync_group(
        &self,
        auth: &dyn Credential,
        id: &str,
    ) -> Result<PasswordSyncGroup, IscError> {
        let url = self.url("password-sync-groups", Some(id))?;
        Ok(self.get_json("get_sync_group", auth, url).await?.0)
    }

    pub async fn create_sync_group(
        &self,
        auth: &dyn Credential,
        group: &PasswordSyncGroup,
    ) -> Result<PasswordSyncGroup, IscError> {
        let url = self.url("password-sync-groups", None)?;
        let response = self
            .execute("create_sync_group", auth, Method::POST, url, Some(group))
            .await?;
        response
            .json()
            .await
            .map_err(|e| IscError::from_reqwest(&e))
    }

    pub async fn update_sync_group(
        &self,
        auth: &dyn Credential,
        id: &str,
        group: &PasswordSyncGroup,
    ) -> Result<PasswordSyncGroup, IscError> {
        let url = self.url("password-sync-groups", Some(id))?;
        let response = self
            .execute("update_sync_group", auth, Method::PUT, url, Some(group))
            .await?;
        response
            .json()
            .await
            .map_err(|e| IscError::from_reqwest(&e))
    }

    pub async fn delete_sync_group(&self, auth: &dyn Credential, id: &str) -> Result<(), IscError> {
        let url = self.url("password-sync-groups", Some(id))?;
        self.execute::<()>("delete_sync_group", auth, Method::DELETE, url, None)
            .await?;
        Ok(())
    }

    pub async fn list_password_policies(
        &self,
        auth: &dyn Credential,
    ) -> Result<Vec<PasswordPolicy>, IscError> {
        self.list_all("list_password_policies", auth, "password-policies")
            .await
    }

    pub async fn list_sources(&self, auth: &dyn Credential) -> Result<Vec<Source>, IscError> {
        self.list_all("list_sources", auth, "sources").await
    }

    /// One page of `POST /v3/search`: the documents, and the total when `count` asked for it
    /// (`X-Total-Count`). A search reads, so it is retried like a GET.
    pub async fn search<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        auth: &dyn Credential,
        request: &SearchRequest,
        limit: usize,
        offset: usize,
        count: bool,
    ) -> Result<(Vec<T>, Option<usize>), IscError> {
        let mut url = self.url_in("v3", "search")?;
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string())
            .append_pair("count", if count { "true" } else { "false" });
        let response = self
            .execute_as(
                operation,
                auth,
                "v3",
                Method::POST,
                url,
                Some(request),
                true,
            )
            .await?;
        let total = response
            .headers()
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let documents = response
            .json::<Vec<T>>()
            .await
            .map_err(|e| IscError::from_reqwest(&e))?;
        Ok((documents, total))
    }
}

/// 502/503/504 and 500: worth another try for a read.
fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// `Retry-After` in seconds (ISC sends integers); 1 s when missing or unreadable, capped at 60 s.
fn retry_after(headers: &HeaderMap) -> Duration {
    let secs = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1);
    Duration::from_secs(secs.clamp(1, 60))
}

/// ISC's error for a failed response: its ErrorResponseDto text and trackingId, never the raw body.
async fn status_error(response: reqwest::Response) -> IscError {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap_or_default();
    let dto: ErrorResponse = if bytes.len() <= MAX_ERROR_BODY {
        serde_json::from_slice(&bytes).unwrap_or_default()
    } else {
        ErrorResponse::default()
    };
    let message = dto.text().unwrap_or_else(|| match status {
        403 => "ISC refused access to this.".to_string(),
        404 => "ISC does not know this object.".to_string(),
        s => format!("ISC answered with status {s}."),
    });
    IscError::Status {
        status,
        detail_code: dto.detail_code,
        message,
        tracking_id: dto.tracking_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> IscClient {
        let url = Url::parse("http://127.0.0.1:9/sandbox").expect("valid");
        IscClient::new(&url, "beta", Duration::from_secs(1), Duration::from_secs(1))
            .expect("client")
    }

    #[test]
    fn paths_are_built_from_segments() {
        let c = client();
        assert_eq!(
            c.url("password-sync-groups", None).expect("url").as_str(),
            "http://127.0.0.1:9/sandbox/beta/password-sync-groups"
        );
        assert_eq!(
            c.url(
                "password-sync-groups",
                Some("6881f631-3bd5-4213-9c75-8e05cc3e35dd")
            )
            .expect("url")
            .as_str(),
            "http://127.0.0.1:9/sandbox/beta/password-sync-groups/6881f631-3bd5-4213-9c75-8e05cc3e35dd"
        );
        assert_eq!(
            c.token_url().expect("url").as_str(),
            "http://127.0.0.1:9/sandbox/oauth/token"
        );
    }

    #[test]
    fn ids_that_would_move_the_path_are_refused() {
        let c = client();
        for id in ["../../v3/sources", "a?x=1", "a#b", "a%2Fb", ""] {
            assert!(matches!(
                c.url("password-sync-groups", Some(id)),
                Err(IscError::InvalidId)
            ));
        }
    }

    #[test]
    fn retry_after_is_bounded() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), Duration::from_secs(1));
        h.insert(RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(retry_after(&h), Duration::from_secs(7));
        h.insert(RETRY_AFTER, "100000".parse().expect("header"));
        assert_eq!(retry_after(&h), Duration::from_secs(60));
    }
}
