//! The pipeline reports: funnel, sources, forecast, offers and objections. The figures are decided by
//! [`crate::analytics`] (`funnel`, `sources`, `forecast`, `offers`); this file reads the rows and hands
//! them over.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::{Crm, Session, Transaction};
use crate::analytics::funnel::{self, GroupKey};
use crate::analytics::{forecast, offers, sources};
use crate::error::{Error, Result};
use crate::model::{
    ForecastQuery, ForecastReport, FunnelGroup, FunnelMode, FunnelQuery, FunnelReport, OfferQuery,
    OfferReport, SourceQuery, SourceRow,
};
use crate::store::{catalog, reports};
use crate::validate;

super::facade! {
    writes {}
    reads {
        /// The sales funnel of the leads received from `query.start` to `query.end` (UTC days,
        /// inclusive): received → in progress → qualified → converted → the pipeline's stages → won.
        /// Per step: how many reached it, the conversion from the previous step and from the first,
        /// who stopped there (lost by reason, junk, still open), how many are there now, and the
        /// median and 90th percentile of the time spent in it. Split by manager, source or channel when
        /// asked. See [`crate::analytics::funnel`] for every convention.
        fn funnel(query: &FunnelQuery) -> FunnelReport;
        /// Leads, clients, revenue and spend per marketing source for the leads received and the spend
        /// booked from `query.start` to `query.end`: cost per lead, CAC and ROMI, each source's spend
        /// counted once. Ordered by ROMI, best first. See [`crate::analytics::sources`].
        fn source_report(query: &SourceQuery) -> Vec<SourceRow>;
        /// The open pipeline by expected close month and by stage: weighted by the stages'
        /// probabilities and by the win rates of the deals closed in the history window. See
        /// [`crate::analytics::forecast`].
        fn forecast(query: &ForecastQuery) -> ForecastReport;
        /// Which offers sent in the period led to sales, which objections were met and which
        /// arguments overcame them. See [`crate::analytics::offers`].
        fn offer_report(query: &OfferQuery) -> OfferReport;
    }
}

/// Midnight UTC starting `day`.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The half-open range of instants of the days `start` to `end` inclusive.
fn period(start: NaiveDate, end: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let start = validate::date("start", start)?;
    let end = validate::date("end", end)?;
    if end < start {
        return Err(Error::validation("end", "must not be before start"));
    }
    let after = end
        .succ_opt()
        .ok_or_else(|| Error::validation("end", "must be within the years 1 to 9999"))?;
    Ok((midnight(start), midnight(after)))
}

impl Session<'_> {
    pub(crate) fn funnel(&self, query: &FunnelQuery) -> Result<FunnelReport> {
        let (from, to) = period(query.start, query.end)?;
        let as_of = match (query.mode, query.as_of) {
            (_, Some(as_of)) => Some(validate::time("as_of", as_of)?),
            (FunnelMode::Snapshot, None) => Some(to),
            (FunnelMode::Cohort, None) => None,
        };
        // Leads received at or after the cut-off did not exist yet.
        let received_to = as_of.map_or(to, |c| c.min(to));
        let conn = self.conn;
        let stages = catalog::stages(conn)?;
        let leads = if received_to > from {
            reports::funnel_leads(conn, from, received_to)?
        } else {
            Vec::new()
        };
        let steps = funnel::funnel(&leads, &stages, as_of);
        let groups = match query.by {
            None => Vec::new(),
            Some(by) => {
                let managers = catalog::managers(conn)?;
                let sources = catalog::sources(conn)?;
                funnel::split(&leads, by)
                    .into_iter()
                    .map(|(key, members)| {
                        let mut group = FunnelGroup {
                            key: "none".to_string(),
                            label: "none".to_string(),
                            manager_id: None,
                            source_id: None,
                            channel: None,
                            steps: funnel::funnel(members, &stages, as_of),
                        };
                        match key {
                            GroupKey::Manager(id) => {
                                group.key = id.to_string();
                                group.label = managers
                                    .iter()
                                    .find(|m| m.id == id)
                                    .map_or_else(|| id.to_string(), |m| m.name.clone());
                                group.manager_id = Some(id);
                            }
                            GroupKey::Source(id) => {
                                group.key = id.to_string();
                                group.label = sources.iter().find(|s| s.id == id).map_or_else(
                                    || id.to_string(),
                                    |s| match &s.campaign {
                                        Some(campaign) => format!("{} ({campaign})", s.name),
                                        None => s.name.clone(),
                                    },
                                );
                                group.source_id = Some(id);
                            }
                            GroupKey::Channel(channel) => {
                                group.key = channel.to_string();
                                group.label = channel.to_string();
                                group.channel = Some(channel);
                            }
                            GroupKey::None => {}
                        }
                        group
                    })
                    .collect()
            }
        };
        Ok(FunnelReport {
            mode: query.mode,
            start: query.start,
            end: query.end,
            as_of,
            by: query.by,
            steps,
            groups,
        })
    }

    pub(crate) fn source_report(&self, query: &SourceQuery) -> Result<Vec<SourceRow>> {
        let (from, to) = period(query.start, query.end)?;
        let conn = self.conn;
        let leads = reports::source_leads(conn, from, to)?;
        let spend = reports::spend_by_source(conn, query.start, query.end)?;
        let orders = reports::converted_clients_orders(conn, from, to)?;
        let sources = catalog::sources(conn)?;
        Ok(sources::source_rows(
            &leads,
            &sources,
            &spend,
            &orders,
            query.horizon_days,
        ))
    }

    pub(crate) fn forecast(&self, query: &ForecastQuery) -> Result<ForecastReport> {
        let as_of = validate::time("as_of", query.as_of)?;
        let history_start = match query.history_start {
            Some(day) => validate::date("history_start", day)?,
            None => as_of
                .date_naive()
                .checked_sub_days(Days::new(365))
                .unwrap_or(NaiveDate::MIN),
        };
        let conn = self.conn;
        let stages = catalog::stages(conn)?;
        let open = reports::open_deals(conn)?;
        let history = reports::closed_deal_stages(conn, midnight(history_start), as_of)?;
        Ok(forecast::forecast(
            &open,
            &history,
            &stages,
            as_of,
            history_start,
        ))
    }

    pub(crate) fn offer_report(&self, query: &OfferQuery) -> Result<OfferReport> {
        let (from, to) = period(query.start, query.end)?;
        let conn = self.conn;
        let sent = reports::coded_activities(conn, from, to, false)?;
        let met = reports::coded_activities(conn, from, to, true)?;
        Ok(OfferReport {
            start: query.start,
            end: query.end,
            offers: offers::offer_rows(&sent),
            objections: offers::objection_rows(&met),
        })
    }
}
