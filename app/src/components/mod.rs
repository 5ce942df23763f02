pub mod copy_button;
pub mod error_panel;
pub mod layout;
