pub mod copy_button;
pub mod delete_confirm;
pub mod delete_dialog;
pub mod dirty_guard;
pub mod error_panel;
pub mod layout;
pub mod modal;
pub mod review;
