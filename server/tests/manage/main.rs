//! Creating, editing and deleting sync groups through the console's server functions, over real
//! HTTP against the sandbox tenant, one module per flow:
//!
//! - `form_options`: opening the create and edit forms;
//! - `create`, `edit`, `delete`: the happy paths, checked in the tenant itself;
//! - `validation`: ISC's rules, checked before anything is sent;
//! - `isc_refusals`: ISC's own refusals reaching the caller with its tracking id;
//! - `stale_edits`: a group changed or deleted in ISC after the form was opened;
//! - `access`: who may do it (helpdesk, signed-out and cross-site callers change nothing);
//! - `timeouts`: a write that times out is not retried;
//! - `plain_forms`: the plain-form (no JavaScript) variants.
//!
//! `support` starts the console on the embedded sandbox and calls the server functions as the
//! hydrated app and as a plain HTML form do.

#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

#[path = "../common/mod.rs"]
mod common;
mod support;

mod access;
mod create;
mod delete;
mod edit;
mod form_options;
mod history;
mod isc_refusals;
mod plain_forms;
mod stale_edits;
mod timeouts;
mod validation;
