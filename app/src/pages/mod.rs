pub mod group_detail;
pub mod groups;
pub mod no_access;
pub mod not_found;
pub mod signin;
