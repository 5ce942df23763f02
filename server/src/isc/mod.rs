//! The typed ISC client: password sync groups, password policies, sources, and the search of
//! people and their password events.

pub mod budget;
pub mod client;
pub mod error;
pub mod ids;
pub mod model;
pub mod people;
pub mod query;
pub mod search;
pub mod token;
pub mod views;

pub use client::{IscClient, RetryPolicy};
pub use error::IscError;
pub use token::ClientCredentialsToken;
pub use views::Catalog;
