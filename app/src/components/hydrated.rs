//! Whether the page is live in the browser: false in the server-rendered HTML (and so for
//! browsers without JavaScript), true once hydrated. For controls that only work with
//! JavaScript (hidden until then) or that only restrict once live (e.g. a button disabled until
//! a name is typed, which a plain form must not be).

use leptos::prelude::*;

/// False on the server and until hydration, then true.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}
