//! ISC's standard collection parameters `limit`, `offset`, `count`.

use axum::http::HeaderValue;
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;

use crate::errors::ApiError;

pub(crate) const MAX_LIMIT: usize = 250;

/// Query parameters in order; the first of a repeated parameter wins.
pub(crate) fn query_params(raw: Option<String>) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if !params.iter().any(|(seen, _)| *seen == k) {
            params.push((k.into_owned(), v.into_owned()));
        }
    }
    params
}

pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub limit: usize,
    pub offset: usize,
    pub count: bool,
}

pub(crate) fn paging(params: &[(String, String)]) -> Result<Paging, ApiError> {
    paging_up_to(params, MAX_LIMIT, MAX_LIMIT)
}

/// `limit` (0 to `max`, `default` when absent), `offset`, `count`; `/search` allows 10000.
pub(crate) fn paging_up_to(
    params: &[(String, String)],
    max: usize,
    default: usize,
) -> Result<Paging, ApiError> {
    let limit = match param(params, "limit") {
        None => default,
        Some(raw) => raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|l| *l <= max)
            .ok_or_else(|| {
                ApiError::illegal(format!(
                    "Illegal value \"{raw}\" for parameter \"limit\": an integer from 0 to {max} is expected."
                ))
            })?,
    };
    let offset = match param(params, "offset") {
        None => 0,
        Some(raw) => raw.trim().parse::<usize>().map_err(|_| {
            ApiError::illegal(format!(
                "Illegal value \"{raw}\" for parameter \"offset\": an integer from 0 is expected."
            ))
        })?,
    };
    let count = match param(params, "count") {
        None => false,
        Some(raw) if raw.eq_ignore_ascii_case("true") => true,
        Some(raw) if raw.eq_ignore_ascii_case("false") => false,
        Some(raw) => {
            return Err(ApiError::illegal(format!(
                "Illegal value \"{raw}\" for parameter \"count\": true or false is expected."
            )));
        }
    };
    Ok(Paging {
        limit,
        offset,
        count,
    })
}

/// One page of `items` as a JSON array, with `X-Total-Count` (all items) when `count=true`.
pub(crate) fn page_response<T: Serialize>(items: Vec<T>, paging: &Paging) -> Response {
    let total = items.len();
    let page: Vec<T> = items
        .into_iter()
        .skip(paging.offset)
        .take(paging.limit)
        .collect();
    page_of(page, total, paging)
}

/// A page already cut out of `total` items, with `X-Total-Count` when `count=true`.
pub(crate) fn page_of<T: Serialize>(page: Vec<T>, total: usize, paging: &Paging) -> Response {
    let mut res = Json(page).into_response();
    if paging.count {
        res.headers_mut()
            .insert("x-total-count", HeaderValue::from(total));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Result<Paging, ApiError> {
        paging(&query_params(Some(q.to_owned())))
    }

    #[test]
    fn bounds() {
        assert_eq!(
            p("").unwrap(),
            Paging {
                limit: 250,
                offset: 0,
                count: false
            }
        );
        assert_eq!(
            p("limit=0&offset=3&count=TRUE").unwrap(),
            Paging {
                limit: 0,
                offset: 3,
                count: true
            }
        );
        for bad in [
            "limit=251",
            "limit=-1",
            "limit=abc",
            "limit=",
            "offset=-2",
            "count=yes",
            "limit=1.5",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
