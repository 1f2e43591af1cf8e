//! Survivorship: which values the kept client has after a merge, and how an undo puts them back.
//!
//! Rules, field by field:
//! - **kind, name**: the kept client's.
//! - **tax id, phone, e-mail, website, industry, region, address, date of birth, owner, external
//!   reference**: the kept client's when it has one; an empty one is filled from the merged client
//!   (`filled`). Where both have a value and they differ (phones, e-mails and tax ids compared in their
//!   normal forms, so one number written two ways is no conflict), the kept one stays and the pair is reported
//!   (`conflicts`); the merged client's own phone and e-mail then become a contact person of the kept
//!   client (named after the merged client), so no way to reach the party is lost.
//! - **tags**: the union (the kept client's first, then the new ones in the merged client's order).
//! - **attributes**: the union of the two objects; on a key both have, the kept client's value.
//! - **created**: the earlier of the two (the party has been known since then).
//!
//! Everything the merged client had is kept in the merge record, so `unmerge` can restore it exactly.

use chrono::{DateTime, Utc};

use super::normalize;
use crate::model::{Client, MergeConflict};

/// Whether two values have the same normal form (a value without one equals only itself).
fn same(a: &str, b: &str, normal: impl Fn(&str) -> Option<String>) -> bool {
    matches!((normal(a), normal(b)), (Some(x), Some(y)) if x == y)
}

/// The kept client after the merge and what the merge did to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Survivor {
    /// The kept client with the merged one's values filled in.
    pub client: Client,
    /// The fields that were empty and were filled.
    pub filled: Vec<String>,
    /// The fields where both had different values.
    pub conflicts: Vec<MergeConflict>,
    /// The tags the kept client gained.
    pub added_tags: Vec<String>,
    /// The merged client's phone and e-mail that the kept client does not have (for a contact).
    pub extra_phones: Vec<String>,
    /// See `extra_phones`.
    pub extra_emails: Vec<String>,
}

/// Fills `kept` from `merged` by the rules above; `at` becomes the kept client's update time. Phones,
/// e-mails and tax ids are compared in their normal forms (phones read in `country`), so the same number
/// written two ways is no conflict.
pub fn survive(kept: &Client, merged: &Client, at: DateTime<Utc>, country: &str) -> Survivor {
    let mut client = kept.clone();
    let mut filled = Vec::new();
    let mut conflicts = Vec::new();
    macro_rules! fill {
        ($field:ident $(, $quality:ident, $normal:expr)?) => {
            match (&kept.$field, &merged.$field) {
                (None, Some(_)) => {
                    client.$field = merged.$field.clone();
                    $(client.$quality = merged.$quality;)?
                    filled.push(stringify!($field).to_string());
                }
                (Some(k), Some(m)) if k != m $(&& !same(k, m, $normal))? => {
                    conflicts.push(MergeConflict {
                        field: stringify!($field).to_string(),
                        kept: k.to_string(),
                        merged: m.to_string(),
                    })
                }
                _ => {}
            }
        };
    }
    fill!(tax_id, tax_id_quality, |t: &str| normalize::tax_id(t)
        .normal);
    fill!(phone, phone_quality, |p: &str| normalize::phone_in(
        p, country
    )
    .normal);
    fill!(email, email_quality, |e: &str| normalize::email(e).normal);
    fill!(website);
    fill!(industry);
    fill!(region);
    fill!(address);
    fill!(birth_date);
    fill!(owner_id);
    fill!(external_ref);
    let mut added_tags = Vec::new();
    for tag in &merged.tags {
        let known = client
            .tags
            .iter()
            .any(|t| t.to_lowercase() == tag.to_lowercase());
        if !known {
            client.tags.push(tag.clone());
            added_tags.push(tag.clone());
        }
    }
    match (&mut client.attributes, &merged.attributes) {
        (serde_json::Value::Object(mine), serde_json::Value::Object(theirs)) => {
            for (key, value) in theirs {
                mine.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        (mine @ serde_json::Value::Null, theirs) => *mine = theirs.clone(),
        _ => {}
    }
    if merged.created_at < client.created_at {
        client.created_at = merged.created_at;
    }
    client.updated_at = at;
    let differs = |field: &str| conflicts.iter().any(|c| c.field == field);
    let extra_phones = merged
        .phone
        .clone()
        .filter(|_| differs("phone"))
        .into_iter()
        .collect();
    let extra_emails = merged
        .email
        .clone()
        .filter(|_| differs("email"))
        .into_iter()
        .collect();
    Survivor {
        client,
        filled,
        conflicts,
        added_tags,
        extra_phones,
        extra_emails,
    }
}

/// The kept client as an undo leaves it: each value the merge changed goes back to what it was,
/// unless it has been changed since (then the later value stays, and its field is returned). When
/// nothing was changed since, the result equals `before` exactly, its update time included.
pub fn restore(
    before: &Client,
    after_merge: &Client,
    now: &Client,
    at: DateTime<Utc>,
) -> (Client, Vec<String>) {
    let mut client = now.clone();
    let mut kept_later = Vec::new();
    macro_rules! back {
        ($field:ident $(, $quality:ident)?) => {
            if before.$field != after_merge.$field {
                if now.$field == after_merge.$field {
                    client.$field = before.$field.clone();
                    $(client.$quality = before.$quality;)?
                } else {
                    kept_later.push(stringify!($field).to_string());
                }
            }
        };
    }
    back!(tax_id, tax_id_quality);
    back!(phone, phone_quality);
    back!(email, email_quality);
    back!(website);
    back!(industry);
    back!(region);
    back!(address);
    back!(birth_date);
    back!(owner_id);
    back!(external_ref);
    back!(tags);
    back!(attributes);
    back!(created_at);
    if now.updated_at == after_merge.updated_at && kept_later.is_empty() {
        client.updated_at = before.updated_at;
    } else {
        client.updated_at = at;
    }
    (client, kept_later)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientId, ClientKind};
    use chrono::TimeZone;

    fn client(id: i64, name: &str) -> Client {
        let at = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        Client {
            id: ClientId(id),
            kind: ClientKind::Company,
            name: name.into(),
            tax_id: None,
            tax_id_quality: None,
            phone: None,
            phone_quality: None,
            email: None,
            email_quality: None,
            website: None,
            industry: None,
            region: None,
            address: None,
            birth_date: None,
            owner_id: None,
            tags: vec![],
            attributes: serde_json::Value::Null,
            external_ref: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn empty_fields_fill_conflicts_stay_and_undo_restores() {
        let mut kept = client(1, "Romashka");
        kept.phone = Some("0671234567".into());
        kept.tags = vec!["VIP".into()];
        kept.attributes = serde_json::json!({"a": 1});
        let mut merged = client(2, "ТОВ «Ромашка»");
        merged.phone = Some("0441112233".into());
        merged.email = Some("office@romashka.ua".into());
        merged.tags = vec!["vip".into(), "wholesale".into()];
        merged.attributes = serde_json::json!({"a": 2, "b": 3});
        merged.created_at -= chrono::Duration::days(10);
        let at = kept.updated_at + chrono::Duration::days(30);
        let s = survive(&kept, &merged, at, "UA");
        assert_eq!(s.client.email.as_deref(), Some("office@romashka.ua"));
        assert_eq!(s.client.phone.as_deref(), Some("0671234567"));
        assert_eq!(s.filled, ["email"]);
        assert_eq!(s.conflicts.len(), 1);
        assert_eq!(s.extra_phones, ["0441112233"]);
        assert!(s.extra_emails.is_empty());
        assert_eq!(s.client.tags, ["VIP", "wholesale"]);
        assert_eq!(s.added_tags, ["wholesale"]);
        assert_eq!(s.client.attributes, serde_json::json!({"a": 1, "b": 3}));
        assert_eq!(s.client.created_at, merged.created_at);
        let mut same_number = merged.clone();
        same_number.phone = Some("+380 67 123-45-67".into());
        let s2 = survive(&kept, &same_number, at, "UA");
        assert!(
            s2.conflicts.iter().all(|c| c.field != "phone"),
            "one number written two ways"
        );
        assert!(s2.extra_phones.is_empty());
        let (back, later) = restore(&kept, &s.client, &s.client, at);
        assert_eq!(back, kept);
        assert!(later.is_empty());
        let mut edited = s.client.clone();
        edited.email = Some("sales@romashka.ua".into());
        edited.updated_at = at + chrono::Duration::days(1);
        let (back, later) = restore(&kept, &s.client, &edited, at);
        assert_eq!(back.email.as_deref(), Some("sales@romashka.ua"));
        assert_eq!(later, ["email"]);
        assert_eq!(back.tags, kept.tags);
    }
}
