pub mod groups;
pub mod not_found;
