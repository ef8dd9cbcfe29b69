//! The tags every managed resource carries.

use crate::names;
use crate::resources::Tags;
use crate::validate::Settings;

/// The tags of every managed resource: the file's `[tags]` plus `ManagedBy=intervalprocessing`.
pub fn tags(settings: &Settings) -> Tags {
    let mut t = settings.file.tags.clone();
    t.insert(names::MANAGED_BY_KEY.to_owned(), names::MANAGED_BY_VALUE.to_owned());
    t
}
