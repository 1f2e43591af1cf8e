//! The dormancy ladder: each client's rhythm, its settings, `run_due`'s part and the readers. The rule
//! is decided in [`crate::retention::dormancy`] (where it is documented); this file loads and records.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Crm, Session, Transaction, log, require_client};
use crate::error::Result;
use crate::model::{
    ClientId, DormancyChange, DormancyCounts, DormancyQuery, DormancyReport, DormancyRow,
    DormancySettings, DueRun, PAliveQuery, Rhythm,
};
use crate::retention::dormancy::{self as ladder, Known};
use crate::store::rhythm::{self as store, Stored};
use crate::validate;

super::facade! {
    writes {
        /// Sets how the dormancy ladder reads a client's rhythm (multipliers of the expected gap, the
        /// flat rule for one purchase day, the gap's floor; see [`DormancySettings`]). Every multiplier
        /// and number of days must be above 0 and increase down the ladder (a validation error names
        /// the field). Every placed client is recomputed by the next `run_due` (without a newer
        /// purchase a client still never climbs back up). The event is `dormancy_set` on `settings`.
        fn set_dormancy_settings(settings: DormancySettings, at: DateTime<Utc>) -> DormancySettings;
    }
    reads {
        /// The dormancy ladder's settings (the defaults until set).
        fn dormancy_settings() -> DormancySettings;
        /// One client's buying rhythm as of `as_of`: its purchase days (completed orders placed by
        /// then), the expected gap, days since the last purchase, the state by the rule at `as_of` and
        /// the state the last `run_due` stored, and the next rung with when it starts. Not found for an
        /// unknown client.
        fn client_rhythm(id: ClientId, as_of: DateTime<Utc>) -> Rhythm;
        /// Clients per state at `as_of` and one row per client with a completed order placed by then
        /// (by id), whether or not `run_due` ever ran: a client whose stored rhythm is current (its
        /// purchases unchanged since the last run, all of them by `as_of`) is read from it — its state
        /// by the rule at `as_of`, never above the stored state once that rung was reached — and every
        /// other client from its orders placed by `as_of` (one scan of the orders when there are many).
        /// With P(alive) as of `as_of`'s date when asked (none when no model can be fitted).
        fn dormancy_report(query: &DormancyQuery) -> DormancyReport;
        /// Clients per state as the last `run_due` left them (an index read).
        fn dormancy_counts() -> DormancyCounts;
    }
}

/// Above this many clients marked, and when they are more than a tenth of the clients on the ladder,
/// `run_due` reads every completed order in one pass instead of each client's orders by index (a first
/// run on a big store, or new settings); a busy day's buyers on a big store are still read one by one.
const BULK_DIRTY: u64 = 20_000;

impl Session<'_> {
    pub(crate) fn set_dormancy_settings(
        &self,
        settings: DormancySettings,
        at: DateTime<Utc>,
    ) -> Result<DormancySettings> {
        let at = validate::time("at", at)?;
        let settings = ladder::check_settings(&settings)?;
        let old = store::settings(self.conn)?;
        if old == settings {
            return Ok(settings);
        }
        store::set_settings(self.conn, &settings)?;
        log(
            self.conn,
            at,
            self.actor,
            "settings",
            0,
            "dormancy_set",
            &json!({ "old": old, "new": settings }),
        )?;
        Ok(settings)
    }

    pub(crate) fn dormancy_settings(&self) -> Result<DormancySettings> {
        store::settings(self.conn)
    }

    /// `run_due`'s part for dormancy: the clients whose purchases changed are recomputed from their
    /// orders; the clients whose next rung has started (found by the index on it) move down. Each move
    /// is an event (`dormancy` on the client) and a [`DormancyChange`] in `run.dormancy`, by client id.
    pub(crate) fn due_dormancy(&self, now: DateTime<Utc>, run: &mut DueRun) -> Result<()> {
        let conn = self.conn;
        let settings = store::settings(conn)?;
        let mut changes = Vec::new();

        let dirty = store::dirty_count(conn)?;
        if dirty > 0 {
            let known = store::dirty_stored(conn)?;
            let ids = store::dirty_clients(conn)?;
            let mut seen = vec![false; ids.len()];
            {
                let mut place = |id: ClientId, days: &[chrono::NaiveDate]| -> Result<()> {
                    let Ok(i) = ids.binary_search(&id) else {
                        return Ok(());
                    };
                    seen[i] = true;
                    self.replace(id, days, known.get(&id), now, &settings, &mut changes)
                };
                if dirty > BULK_DIRTY && dirty.saturating_mul(10) > store::placed(conn)? {
                    store::each_client_days(conn, None, &mut place)?;
                } else {
                    for &id in &ids {
                        let days = store::purchase_days(conn, id, None)?;
                        if !days.is_empty() {
                            place(id, &days)?;
                        }
                    }
                }
            }
            // Marked clients with no completed order left have no rung.
            for (id, _) in ids.iter().zip(&seen).filter(|(_, s)| !**s) {
                self.replace(*id, &[], known.get(id), now, &settings, &mut changes)?;
            }
            store::clear_dirty(conn)?;
        }

        for old in store::due(conn, now)? {
            let known = Known {
                state: old.state,
                last_purchase: old.last_purchase,
            };
            let p = ladder::place(
                Some(known),
                old.last_purchase,
                old.expected_gap,
                now,
                &settings,
            );
            let new = Stored {
                state: p.state,
                since: p.since,
                next_state: p.next.map(|n| n.0),
                next_at: p.next.map(|n| n.1),
                ..old.clone()
            };
            self.record(&old, Some(&new), now, &mut changes)?;
        }
        changes.sort_by_key(|c: &DormancyChange| c.client_id);
        run.dormancy.extend(changes);
        Ok(())
    }

    /// Recomputes one client from its purchase days and writes what changed.
    fn replace(
        &self,
        id: ClientId,
        days: &[chrono::NaiveDate],
        old: Option<&Stored>,
        now: DateTime<Utc>,
        settings: &DormancySettings,
        changes: &mut Vec<DormancyChange>,
    ) -> Result<()> {
        let Some(&last) = days.last() else {
            if let Some(old) = old {
                store::delete(self.conn, id)?;
                log(
                    self.conn,
                    now,
                    self.actor,
                    "client",
                    id.0,
                    "dormancy",
                    &json!({ "from": old.state, "to": null, "expected_gap_days": null,
                             "last_purchase": null }),
                )?;
            }
            return Ok(());
        };
        let gap = ladder::expected_gap(days, settings);
        let known = old.map(|o| Known {
            state: o.state,
            last_purchase: o.last_purchase,
        });
        let p = ladder::place(known, last, gap, now, settings);
        let new = Stored {
            client_id: id,
            state: p.state,
            since: match old {
                // Kept on its rung: it has been there since then.
                Some(o) if o.state == p.state && o.last_purchase >= last => o.since,
                _ => p.since,
            },
            expected_gap: gap,
            last_purchase: last,
            purchase_days: i64::try_from(days.len()).unwrap_or(i64::MAX),
            next_state: p.next.map(|n| n.0),
            next_at: p.next.map(|n| n.1),
        };
        match old {
            Some(o) => self.record(o, Some(&new), now, changes),
            None => {
                store::upsert(self.conn, &new)?;
                self.moved(None, &new, now, changes)
            }
        }
    }

    /// Writes `new` over `old` when it differs; a move of state is an event and a change.
    fn record(
        &self,
        old: &Stored,
        new: Option<&Stored>,
        now: DateTime<Utc>,
        changes: &mut Vec<DormancyChange>,
    ) -> Result<()> {
        let Some(new) = new else {
            return Ok(());
        };
        if new != old {
            store::upsert(self.conn, new)?;
        }
        if new.state != old.state {
            self.moved(Some(old), new, now, changes)?;
        }
        Ok(())
    }

    fn moved(
        &self,
        old: Option<&Stored>,
        new: &Stored,
        now: DateTime<Utc>,
        changes: &mut Vec<DormancyChange>,
    ) -> Result<()> {
        let from = old.map(|o| o.state);
        log(
            self.conn,
            now,
            self.actor,
            "client",
            new.client_id.0,
            "dormancy",
            &json!({ "from": from, "to": new.state, "expected_gap_days": new.expected_gap,
                     "last_purchase": new.last_purchase }),
        )?;
        changes.push(DormancyChange {
            client_id: new.client_id,
            from,
            to: new.state,
        });
        Ok(())
    }

    pub(crate) fn client_rhythm(&self, id: ClientId, as_of: DateTime<Utc>) -> Result<Rhythm> {
        let as_of = validate::time("as_of", as_of)?;
        require_client(self.conn, id)?;
        let settings = store::settings(self.conn)?;
        let days = store::purchase_days(self.conn, id, Some(as_of))?;
        let stored = store::by_client(self.conn, id)?;
        let last = days.last().copied();
        let gap = ladder::expected_gap(&days, &settings);
        let state = last.map(|l| ladder::state_at(l, gap, as_of, &settings));
        let next = match (state, last) {
            (Some(s), Some(l)) => ladder::next_rung(s, l, gap, &settings),
            _ => None,
        };
        Ok(Rhythm {
            client_id: id,
            as_of,
            last_purchase: last,
            expected_gap_days: gap,
            days_since_last: last.map(|l| (as_of.date_naive() - l).num_days()),
            state,
            stored_state: stored.as_ref().map(|s| s.state),
            stored_since: stored.as_ref().map(|s| s.since),
            next_state: next.map(|n| n.0),
            next_at: next.map(|n| n.1),
            purchase_days: days,
        })
    }

    pub(crate) fn dormancy_report(&self, query: &DormancyQuery) -> Result<DormancyReport> {
        let as_of = validate::time("as_of", query.as_of)?;
        let settings = store::settings(self.conn)?;
        let p_alive: HashMap<ClientId, f64> = if query.with_p_alive {
            // No model (too little history) is no P(alive), not a failed report.
            match self.p_alive(&PAliveQuery::as_of(as_of.date_naive())) {
                Ok(report) => report
                    .rows
                    .into_iter()
                    .map(|r| (r.client_id, r.p_alive))
                    .collect(),
                Err(e) if e.kind() == crate::error::ErrorKind::Validation => HashMap::new(),
                Err(e) => return Err(e),
            }
        } else {
            HashMap::new()
        };
        // A client whose rhythm is stored and whose purchases have not changed since (not marked) is
        // read from the store when all its purchases fall by `as_of`; every other client — marked, never
        // placed, or with purchases after `as_of` — is read from its orders placed by `as_of`.
        let day = as_of.date_naive();
        let marked = store::dirty_clients(self.conn)?;
        let mut from_orders: Vec<ClientId> = marked.clone();
        let mut rows: Vec<DormancyRow> = Vec::new();
        for s in store::all(self.conn)? {
            if marked.binary_search(&s.client_id).is_ok() {
                continue;
            }
            if s.last_purchase > day {
                from_orders.push(s.client_id);
                continue;
            }
            let by_rule = ladder::state_at(s.last_purchase, s.expected_gap, as_of, &settings);
            // Never back up the ladder without a purchase: once its rung was reached, it holds.
            let state = if as_of >= s.since {
                by_rule.max(s.state)
            } else {
                by_rule
            };
            rows.push(DormancyRow {
                client_id: s.client_id,
                state,
                expected_gap_days: s.expected_gap,
                last_purchase: s.last_purchase,
                days_since_last: (day - s.last_purchase).num_days(),
                p_alive: None,
            });
        }
        from_orders.sort_unstable();
        from_orders.dedup();
        let mut row_of = |id: ClientId, days: &[chrono::NaiveDate]| {
            let Some(&last) = days.last() else {
                return;
            };
            let gap = ladder::expected_gap(days, &settings);
            rows.push(DormancyRow {
                client_id: id,
                state: ladder::state_at(last, gap, as_of, &settings),
                expected_gap_days: gap,
                last_purchase: last,
                days_since_last: (day - last).num_days(),
                p_alive: None,
            });
        };
        if from_orders.len() as u64 > BULK_DIRTY {
            store::each_client_days(self.conn, Some(as_of), |id, days| {
                if from_orders.binary_search(&id).is_ok() {
                    row_of(id, days);
                }
                Ok(())
            })?;
        } else {
            for &id in &from_orders {
                row_of(id, &store::purchase_days(self.conn, id, Some(as_of))?);
            }
        }
        rows.sort_unstable_by_key(|r| r.client_id);
        let mut counts = DormancyCounts::default();
        for row in &mut rows {
            counts.add(row.state);
            row.p_alive = p_alive.get(&row.client_id).copied().filter(|p| !p.is_nan());
        }
        Ok(DormancyReport {
            as_of,
            counts,
            rows,
        })
    }

    pub(crate) fn dormancy_counts(&self) -> Result<DormancyCounts> {
        store::counts(self.conn)
    }
}
