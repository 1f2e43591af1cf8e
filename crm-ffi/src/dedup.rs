//! Duplicates through the C ABI: the clients that look like a party (a probe, a stored client, every pair
//! in the base), merging two clients into one and undoing it (commands, like those of
//! [`crate::commands`]), and the settings matching runs with. A capture matches too: crm_capture_lead()
//! returns its matches and may link the lead to a known client on its own.
//!
//! Scores are JSON numbers from 0 to 1 (not decimal text: they are not money), rounded to 4 decimals.

use std::ffi::c_char;

use crm_core::{ClientId, DedupSettingsPatch, MergeId, Probe};

use crate::boundary::{call, json, out_param, time};
use crate::commands::command;
use crate::handle::{crm_t, handle, on};
use crate::readers::read;
use crate::status::crm_status_t;

/// Merges client `merge` into client `keep`: the merged client's contact persons, leads, deals,
/// activities, orders, tasks, promises and complaints move to the kept one (and the retention rules'
/// record of what they did to it, so their cool-downs carry over), its tags are added, the kept client's empty fields are
/// filled from it (where both have a value and they differ, the kept one stays and the pair is listed in
/// `conflicts`; the merged client's own phone and e-mail then become a contact person of the kept
/// client), purchase totals are recomputed, and the merged client is no longer listed: reading it is
/// CRM_STATUS_NOT_FOUND with a message that says `merged into client <keep> by merge <id>`. Everything
/// needed to undo it is recorded (see crm_unmerge()). The kept client's history gets a `merged` event
/// (data: the Merge record), the merged one's a `merged_away` event (`merge_id`, `kept_id`).
///
/// @param keep        the client that stays; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param merge       the client merged into it; the same id as `keep` is CRM_STATUS_VALIDATION with
///                    field `merge`; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param at          RFC 3339 time of the merge
/// @param merge_json  receives the stored merge (see the Merge record above): `{"id": 1, "kept_id": 3,
///                    "merged_id": 7, "at": ..., "actor": ..., "filled": ["email"], "conflicts":
///                    [{"field": "phone", "kept": ..., "merged": ...}], "added_tags": ["vip"],
///                    "contact_id": 12, "moved": {"contacts": [], "leads": [4], "deals": [], "activities":
///                    [], "orders": [9], "tasks": [], "assignments": [], "promises": [2], "complaints":
///                    []}, "undone_at": null}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_merge_clients(
    crm: *mut crm_t,
    keep: i64,
    merge: i64,
    at: *const c_char,
    merge_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            merge_json,
            "merge_json",
            at,
            || Ok((ClientId(keep), ClientId(merge))),
            |t, (keep, merge), at| on!(t, merge_clients(keep, merge, at)),
        )
    }
}

/// Undoes a merge: the merged client comes back under its old id with its own details (crm_get_client()
/// gives what it gave before the merge), the records that moved go back, the kept client's filled
/// fields and gained tags are taken back (a field changed since the merge keeps its later value, named
/// in the event's `kept_later`), and the contact person the merge made is removed. Records created after
/// the merge stay with the kept client. The kept client's history gets an `unmerged` event (`merge_id`,
/// `merged_id`, `kept_later`), the restored one's a `restored` event (`merge_id`, `kept_id`).
///
/// @param merge_id    the merge's id (from crm_merge_clients() or crm_list_merges());
///                    CRM_STATUS_NOT_FOUND when there is none. CRM_STATUS_CONFLICT when it was undone
///                    already, when the kept client was merged again since (undo that merge first), or
///                    when another client has taken the merged client's `external_ref`
/// @param at          RFC 3339 time of the undo
/// @param merge_json  receives the merge as stored now, with `undone_at` set
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_unmerge(
    crm: *mut crm_t,
    merge_id: i64,
    at: *const c_char,
    merge_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            merge_json,
            "merge_json",
            at,
            || Ok(MergeId(merge_id)),
            |t, id, at| on!(t, unmerge(id, at)),
        )
    }
}

/// Changes how duplicates are found. The settings are stored in the database, so every program that
/// opens it matches alike. A change of `default_country` recomputes every stored phone's normal form
/// and every matching key in the same transaction (as crm_rebuild_match_keys()). Settings equal to the
/// stored ones change nothing; others log a `dedup_set` event on `settings` 0 (data: the settings).
///
/// @param new_settings_json  the fields to change, any of `{"auto_link": 0.9, "suggest": 0.5,
///                           "key_limit": 20, "default_country": "UA"}` (the defaults); a field left out
///                           (or null) keeps its stored value. `auto_link` and `suggest` are numbers
///                           from 0 to 1 and `suggest` must not be above `auto_link`; `key_limit` is
///                           from 1 to 10000; `default_country` is an ISO 3166 alpha-2 code, any case.
///                           A rule broken is CRM_STATUS_VALIDATION naming the field
/// @param at                 RFC 3339 time of the change
/// @param settings_json      receives the settings as stored now (the country in upper case; see the
///                           DedupSettings record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_dedup_settings(
    crm: *mut crm_t,
    new_settings_json: *const c_char,
    at: *const c_char,
    settings_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            settings_json,
            "settings_json",
            at,
            || json::<DedupSettingsPatch>(new_settings_json, "new_settings_json"),
            |t, settings, at| on!(t, set_dedup_settings(settings, at)),
        )
    }
}

/// Recomputes the normal forms of every client's phone, e-mail and tax id and every lead's phone and
/// e-mail, and every client's matching keys: after an upgrade of the normalisation rules, say. Logs a
/// `match_keys_rebuilt` event on `settings` 0 (data: `{"clients": <count>}`).
///
/// @param at     RFC 3339 time of the rebuild
/// @param count  receives the number of clients whose keys were rebuilt
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_rebuild_match_keys(
    crm: *mut crm_t,
    at: *const c_char,
    count: *mut i64,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(count, "count", 0) }?;
        let crm = unsafe { handle(crm) }?;
        let at = unsafe { time(at, "at") }?;
        let n = crm.run(move |t| on!(t, rebuild_match_keys(at)))?;
        *out = i64::try_from(n).unwrap_or(i64::MAX);
        Ok(())
    })
}

/// How duplicates are found: the stored settings, or the defaults until crm_set_dedup_settings() is
/// called.
///
/// @param settings_json  receives `{"auto_link": 0.9, "suggest": 0.5, "key_limit": 20,
///                       "default_country": "UA"}` (see the DedupSettings record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_dedup_settings(
    crm: *const crm_t,
    settings_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, settings_json, "settings_json", || {
            Ok(Box::new(|t| on!(t, dedup_settings())))
        })
    }
}

/// The clients that look like the party a probe describes (before adding a client, say), scoring at
/// least the `suggest` setting: best first, then by id. Nothing is written.
///
/// @param probe_json    `{"kind": "person", "name": "Ivan Petrenko", "company": ...,
///                      "phone": "067 123 45 67", "email": ..., "tax_id": ..., "address": ...,
///                      "birth_date": "1980-05-17"}` (see the Probe record above), every field
///                      optional; a probe with no usable detail is CRM_STATUS_VALIDATION with field
///                      `probe`
/// @param matches_json  receives `[{"client_id": 3, "score": 0.9526, "keys": ["phone", "name"]}, ...]`
///                      (see the Match record above); `[]` when nothing scores high enough
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_find_duplicates(
    crm: *const crm_t,
    probe_json: *const c_char,
    matches_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, matches_json, "matches_json", || {
            let probe: Probe = json(probe_json, "probe_json")?;
            Ok(Box::new(move |t| on!(t, find_duplicates(&probe))))
        })
    }
}

/// The other clients that look like one client (its own details and its contact persons'), as
/// crm_find_duplicates() finds them: best first, then by id; never the client itself.
///
/// @param client_id     the client; CRM_STATUS_NOT_FOUND when there is none with this id (or it was
///                      merged away: the message says into which client)
/// @param matches_json  receives a JSON array of matches (see the Match record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_client_duplicates(
    crm: *const crm_t,
    client_id: i64,
    matches_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ClientId(client_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, matches_json, "matches_json", || {
            Ok(Box::new(move |t| on!(t, client_duplicates(id))))
        })
    }
}

/// Every pair of clients that look like the same party, scoring at least `min_score`: best first, then
/// by ids. For a clean-up of the whole base: candidates come from shared matching keys (a key shared by
/// more than `key_limit` clients is left out), so the work grows with the base, not with its square.
///
/// @param min_score   the lowest score listed, from 0 to 1 (0.5 lists what a capture would suggest);
///                    anything else, NaN included, is CRM_STATUS_VALIDATION with field `min_score`
/// @param pairs_json  receives `[{"a": 3, "b": 7, "score": 0.9526, "keys": ["phone", "name"]}, ...]`
///                    with `a < b` (see the DuplicatePair record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_duplicate_pairs(
    crm: *const crm_t,
    min_score: f64,
    pairs_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, pairs_json, "pairs_json", || {
            Ok(Box::new(move |t| on!(t, duplicate_pairs(min_score))))
        })
    }
}

/// One merge, undone or not.
///
/// @param merge_id    the merge's id
/// @param merge_json  receives the merge (see the Merge record above); CRM_STATUS_NOT_FOUND when there
///                    is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_merge(
    crm: *const crm_t,
    merge_id: i64,
    merge_json: *mut *mut c_char,
) -> crm_status_t {
    let id = MergeId(merge_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, merge_json, "merge_json", || {
            Ok(Box::new(move |t| on!(t, get_merge(id))))
        })
    }
}

/// The merges one client took part in (kept or merged away), or every merge; by id, undone ones
/// included (their `undone_at` is set).
///
/// @param client_id    a client's id, or 0 for every merge
/// @param merges_json  receives a JSON array of merges (see the Merge record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_merges(
    crm: *const crm_t,
    client_id: i64,
    merges_json: *mut *mut c_char,
) -> crm_status_t {
    let client = (client_id != 0).then_some(ClientId(client_id));
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, merges_json, "merges_json", || {
            Ok(Box::new(move |t| on!(t, list_merges(client))))
        })
    }
}
