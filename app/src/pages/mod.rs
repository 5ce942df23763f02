pub mod group_delete;
pub mod group_detail;
pub mod group_form;
pub mod group_review;
pub mod groups;
pub mod no_access;
pub mod not_found;
pub mod signin;
