//! The statement of a listing, built from the filters that are set.
//!
//! A listing written once for every combination, `WHERE (?1 IS NULL OR owner_id = ?1) AND ...`, defeats
//! SQLite's planner: the plan must hold for any binding, so no index can serve a filter that may be
//! absent, and every page walks the table by rowid. Here each filter that is set adds its fixed fragment
//! (`owner_id = ?`) and its value as a bound parameter, nothing is ever formatted into the text, and each
//! combination renders one text that the statement cache prepares once.

use rusqlite::types::ToSql;
use rusqlite::{Connection, Row, params_from_iter};

use crate::error::Result;
use crate::model::Page;

/// A page of rows of one table matching every condition that was set, in ascending id order.
pub(crate) struct Filter<'a> {
    table: &'static str,
    columns: &'static str,
    /// Fixed fragments, each with one `?`, joined with `AND`.
    terms: Vec<&'static str>,
    /// One value per term, in the same order.
    params: Vec<Box<dyn ToSql + 'a>>,
    /// Whether an equality on an indexed column is set: its index then narrows the rows.
    keyed: bool,
    /// The index of a range that is set, to name when nothing else narrows the rows.
    range_index: Option<&'static str>,
    page: Page,
}

impl<'a> Filter<'a> {
    /// Selects `columns` (a fixed list) from `table`, one page.
    pub(crate) fn new(table: &'static str, columns: &'static str, page: Page) -> Self {
        Filter {
            table,
            columns,
            terms: Vec::new(),
            params: Vec::new(),
            keyed: false,
            range_index: None,
            page,
        }
    }

    /// Adds an equality on a column that leads an index (`owner_id = ?`), if `value` is set. An index on
    /// that column alone holds the rowid right after it, so SQLite reads it from `id > ?` on, in id
    /// order, with no sort; an index with more columns (`orders (client_id, ordered_at)`) still narrows
    /// the rows to the key's, which are then sorted by id.
    pub(crate) fn key<T: ToSql + 'a>(self, term: &'static str, value: Option<T>) -> Self {
        let set = value.is_some();
        let mut filter = self.push(term, value);
        filter.keyed |= set;
        filter
    }

    /// Adds a condition that no index serves on its own (`kind = ?`, a tag in the JSON list), if `value`
    /// is set: it is checked on each row the rest of the statement reads.
    pub(crate) fn check<T: ToSql + 'a>(self, term: &'static str, value: Option<T>) -> Self {
        self.push(term, value)
    }

    /// Adds one bound of a range on a column with an index of its own (`received_at >= ?`), if `value`
    /// is set. When no key is set the statement names that index: otherwise SQLite, which knows nothing
    /// of the range's width, prefers walking the whole table in id order to reading the range and
    /// sorting it.
    pub(crate) fn range<T: ToSql + 'a>(
        self,
        index: &'static str,
        term: &'static str,
        value: Option<T>,
    ) -> Self {
        let set = value.is_some();
        let mut filter = self.push(term, value);
        if set {
            filter.range_index = Some(index);
        }
        filter
    }

    fn push<T: ToSql + 'a>(mut self, term: &'static str, value: Option<T>) -> Self {
        debug_assert_eq!(term.matches('?').count(), 1, "one parameter per term");
        if let Some(value) = value {
            self.terms.push(term);
            self.params.push(Box::new(value));
        }
        self
    }

    /// The statement: only fixed fragments, one `?` per value, then the page's `id > ?` and `LIMIT ?`.
    pub(crate) fn sql(&self) -> String {
        let mut sql = format!("SELECT {} FROM {}", self.columns, self.table);
        if let (false, Some(index)) = (self.keyed, self.range_index) {
            sql.push_str(" INDEXED BY ");
            sql.push_str(index);
        }
        sql.push_str("\n WHERE ");
        for term in &self.terms {
            sql.push_str(term);
            sql.push_str("\n   AND ");
        }
        sql.push_str("id > ?\n ORDER BY id LIMIT ?");
        sql
    }

    /// Runs the statement (prepared once per combination of filters) and maps every row.
    pub(crate) fn rows<T>(
        &self,
        conn: &Connection,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let after = self.page.after.unwrap_or(0);
        let limit = self.page.effective_limit();
        let mut stmt = conn.prepare_cached(&self.sql())?;
        let params = self
            .params
            .iter()
            .map(|p| p.as_ref() as &dyn ToSql)
            .chain([&after as &dyn ToSql, &limit]);
        let rows = stmt.query_map(params_from_iter(params), map)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use rusqlite::Connection;
    use rusqlite::types::Null;

    use super::super::{activities, clients, deals, leads, orders};
    use crate::model::{
        ActivityQuery, Channel, ClientId, ClientKind, ClientQuery, DealId, DealQuery, DealStatus,
        LeadId, LeadQuery, LeadStatus, ManagerId, Money, NewClient, NewLead, NewOrder, OrderQuery,
        OrderStatus, Page, SourceId,
    };
    use crate::{Crm, store};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    /// The lines of `EXPLAIN QUERY PLAN` for exactly this statement (values bound as NULL: a plan does
    /// not depend on them).
    fn plan(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let nulls = std::iter::repeat_n(Null, stmt.parameter_count());
        stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// How a listing must be planned: reading `index` (named, or the text of its condition for an
    /// automatic index), and whether a sort by id may follow.
    struct Expect {
        what: &'static str,
        sql: String,
        index: &'static str,
        sorts: bool,
    }

    fn expect(what: &'static str, sql: String, index: &'static str, sorts: bool) -> Expect {
        Expect {
            what,
            sql,
            index,
            sorts,
        }
    }

    #[test]
    fn every_filtered_listing_reads_an_index() {
        let conn = store::open_in_memory().unwrap();
        let (day1, day2) = (Some(at(1, 0)), Some(at(2, 0)));
        let cases = [
            expect(
                "leads by owner",
                leads::filter(&LeadQuery {
                    owner_id: Some(ManagerId(1)),
                    ..Default::default()
                })
                .sql(),
                "leads_by_owner",
                false,
            ),
            expect(
                "leads by client",
                leads::filter(&LeadQuery {
                    client_id: Some(ClientId(1)),
                    ..Default::default()
                })
                .sql(),
                "leads_by_client",
                false,
            ),
            expect(
                "leads by source",
                leads::filter(&LeadQuery {
                    source_id: Some(SourceId(1)),
                    ..Default::default()
                })
                .sql(),
                "leads_by_source",
                false,
            ),
            expect(
                "leads by status",
                leads::filter(&LeadQuery {
                    status: Some(LeadStatus::New),
                    ..Default::default()
                })
                .sql(),
                "leads_by_status",
                false,
            ),
            expect(
                "leads by external ref",
                leads::filter(&LeadQuery {
                    external_ref: Some("FORM-1".into()),
                    ..Default::default()
                })
                .sql(),
                "(external_ref=?)",
                false,
            ),
            expect(
                "leads received in a range",
                leads::filter(&LeadQuery {
                    received_from: day1,
                    received_to: day2,
                    ..Default::default()
                })
                .sql(),
                "leads_by_received",
                true,
            ),
            expect(
                "leads received since",
                leads::filter(&LeadQuery {
                    received_from: day1,
                    ..Default::default()
                })
                .sql(),
                "leads_by_received",
                true,
            ),
            expect(
                "leads received before",
                leads::filter(&LeadQuery {
                    received_to: day2,
                    ..Default::default()
                })
                .sql(),
                "leads_by_received",
                true,
            ),
            expect(
                "leads of an owner received in a range",
                leads::filter(&LeadQuery {
                    owner_id: Some(ManagerId(1)),
                    received_from: day1,
                    received_to: day2,
                    ..Default::default()
                })
                .sql(),
                "leads_by_owner",
                false,
            ),
            expect(
                "orders by client",
                orders::filter(&OrderQuery {
                    client_id: Some(ClientId(1)),
                    ..Default::default()
                })
                .sql(),
                // (client_id, ordered_at): one client's orders, sorted by id.
                "orders_by_client",
                true,
            ),
            expect(
                "orders by external ref",
                orders::filter(&OrderQuery {
                    external_ref: Some("WEB-1".into()),
                    ..Default::default()
                })
                .sql(),
                "(external_ref=?)",
                false,
            ),
            expect(
                "orders placed in a range",
                orders::filter(&OrderQuery {
                    from: day1,
                    to: day2,
                    ..Default::default()
                })
                .sql(),
                "orders_by_date",
                true,
            ),
            expect(
                "completed orders placed in a range",
                orders::filter(&OrderQuery {
                    status: Some(OrderStatus::Completed),
                    from: day1,
                    ..Default::default()
                })
                .sql(),
                "orders_by_date",
                true,
            ),
            expect(
                "deals by client",
                deals::filter(&DealQuery {
                    client_id: Some(ClientId(1)),
                    ..Default::default()
                })
                .sql(),
                "deals_by_client",
                false,
            ),
            expect(
                "deals by owner",
                deals::filter(&DealQuery {
                    owner_id: Some(ManagerId(1)),
                    ..Default::default()
                })
                .sql(),
                "deals_by_owner",
                false,
            ),
            expect(
                "deals by status and stage",
                deals::filter(&DealQuery {
                    status: Some(DealStatus::Open),
                    stage: Some("proposal".into()),
                    ..Default::default()
                })
                .sql(),
                "deals_by_status_stage",
                false,
            ),
            expect(
                "activities by lead",
                activities::filter(&ActivityQuery {
                    lead_id: Some(LeadId(1)),
                    ..Default::default()
                })
                .sql(),
                "activities_by_lead",
                false,
            ),
            expect(
                "activities by client",
                activities::filter(&ActivityQuery {
                    client_id: Some(ClientId(1)),
                    ..Default::default()
                })
                .sql(),
                "activities_by_client",
                false,
            ),
            expect(
                "activities by deal",
                activities::filter(&ActivityQuery {
                    deal_id: Some(DealId(1)),
                    ..Default::default()
                })
                .sql(),
                "activities_by_deal",
                false,
            ),
            expect(
                "activities by manager",
                activities::filter(&ActivityQuery {
                    manager_id: Some(ManagerId(1)),
                    ..Default::default()
                })
                .sql(),
                // (manager_id, at): one manager's activities, sorted by id.
                "activities_by_manager",
                true,
            ),
            expect(
                "clients by owner",
                clients::filter(&ClientQuery {
                    owner_id: Some(ManagerId(1)),
                    ..Default::default()
                })
                .sql(),
                "clients_by_owner",
                false,
            ),
            expect(
                "clients by owner and tag",
                clients::filter(&ClientQuery {
                    owner_id: Some(ManagerId(1)),
                    tag: Some("vip".into()),
                    ..Default::default()
                })
                .sql(),
                "clients_by_owner",
                false,
            ),
        ];
        for case in cases {
            let lines = plan(&conn, &case.sql);
            let text = lines.join("\n");
            let reads = lines.iter().find(|l| l.starts_with("SEARCH"));
            assert!(
                reads.is_some_and(|l| (l.contains("USING INDEX ")
                    || l.contains("USING COVERING INDEX "))
                    && l.contains(case.index)),
                "{}: expected a search of {}, got:\n{text}\n{}",
                case.what,
                case.index,
                case.sql
            );
            assert_eq!(
                text.contains("USE TEMP B-TREE FOR ORDER BY"),
                case.sorts,
                "{}: sort by id\n{text}",
                case.what
            );
        }
    }

    #[test]
    fn an_unfiltered_listing_walks_the_ids_from_the_page_on() {
        let conn = store::open_in_memory().unwrap();
        let sql = leads::filter(&LeadQuery::default()).sql();
        assert_eq!(
            plan(&conn, &sql),
            ["SEARCH leads USING INTEGER PRIMARY KEY (rowid>?)"]
        );
    }

    #[test]
    fn values_are_bound_and_each_combination_is_one_text() {
        let hostile = "x' OR 1=1 --";
        let q = |external_ref: &str, after: Option<i64>| LeadQuery {
            external_ref: Some(external_ref.into()),
            owner_id: Some(ManagerId(7)),
            page: Page { after, limit: 3 },
            ..Default::default()
        };
        let sql = leads::filter(&q(hostile, Some(41))).sql();
        assert!(!sql.contains(hostile) && !sql.contains("41") && !sql.contains('7'));
        assert_eq!(sql, leads::filter(&q("FORM-1", None)).sql());
        assert_eq!(sql.matches('?').count(), 4, "two filters, after, limit");
        assert!(
            sql.ends_with("id > ?\n ORDER BY id LIMIT ?"),
            "keyset paging: {sql}"
        );
    }

    #[test]
    fn every_filter_at_once_binds_every_value() {
        let crm = Crm::open_in_memory().unwrap();
        assert_eq!(
            crm.list_leads(&LeadQuery {
                status: Some(LeadStatus::New),
                owner_id: Some(ManagerId(1)),
                source_id: Some(SourceId(1)),
                client_id: Some(ClientId(1)),
                received_from: Some(at(1, 0)),
                received_to: Some(at(2, 0)),
                external_ref: Some("FORM-1".into()),
                page: Page::first(5),
            })
            .unwrap(),
            []
        );
        assert_eq!(
            crm.list_clients(&ClientQuery {
                owner_id: Some(ManagerId(1)),
                kind: Some(ClientKind::Company),
                tag: Some("vip".into()),
                external_ref: Some("1C-1".into()),
                page: Page::first(5),
            })
            .unwrap(),
            []
        );
        assert_eq!(
            crm.list_deals(&DealQuery {
                status: Some(DealStatus::Open),
                stage: Some("proposal".into()),
                owner_id: Some(ManagerId(1)),
                client_id: Some(ClientId(1)),
                page: Page::first(5),
            })
            .unwrap(),
            []
        );
        assert_eq!(
            crm.list_activities(&ActivityQuery {
                lead_id: Some(LeadId(1)),
                client_id: Some(ClientId(1)),
                deal_id: Some(DealId(1)),
                manager_id: Some(ManagerId(1)),
                page: Page::first(5),
            })
            .unwrap(),
            []
        );
        assert_eq!(
            crm.list_orders(&OrderQuery {
                client_id: Some(ClientId(1)),
                status: Some(OrderStatus::Completed),
                from: Some(at(1, 0)),
                to: Some(at(2, 0)),
                external_ref: Some("WEB-1".into()),
                page: Page::first(5),
            })
            .unwrap(),
            []
        );
    }

    #[test]
    fn external_refs_and_time_ranges_filter_and_page() {
        let crm = Crm::open_in_memory().unwrap();
        let client = crm
            .add_client(NewClient::new(ClientKind::Company, "Romashka"), at(1, 9))
            .unwrap()
            .id;
        let mut lead_ids = Vec::new();
        let mut order_ids = Vec::new();
        for i in 0..10u32 {
            // Received out of id order, so a range read from its index must be sorted back.
            let day = 10 - i;
            let mut new = NewLead::new(Channel::Web);
            new.name = Some(format!("Lead {i}"));
            new.phone = Some(format!("06712345{i:02}"));
            new.external_ref = Some(format!("FORM-{i}"));
            lead_ids.push(crm.capture_lead(new, at(day, 9)).unwrap().lead.id);
            let order = NewOrder {
                client_id: client,
                total: Money::from_units(5).unwrap(),
                external_ref: Some(format!("WEB-{i}")),
                ..Default::default()
            };
            order_ids.push(crm.record_order(order, at(day, 10)).unwrap().id);
        }

        let lead = crm
            .list_leads(&LeadQuery {
                external_ref: Some("FORM-3".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(lead.iter().map(|l| l.id).collect::<Vec<_>>(), [lead_ids[3]]);
        let past = crm
            .list_leads(&LeadQuery {
                external_ref: Some("FORM-3".into()),
                page: Page {
                    after: Some(lead_ids[3].0),
                    limit: 0,
                },
                ..Default::default()
            })
            .unwrap();
        assert_eq!(past, [], "the page starts after the lead");
        let order = crm
            .list_orders(&OrderQuery {
                external_ref: Some("WEB-8".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            order.iter().map(|o| o.id).collect::<Vec<_>>(),
            [order_ids[8]]
        );

        // Days 3 to 7 are i = 3..=7: ids in ascending order, two to a page.
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let page = crm
                .list_leads(&LeadQuery {
                    received_from: Some(at(3, 0)),
                    received_to: Some(at(8, 0)),
                    page: Page { after, limit: 2 },
                    ..Default::default()
                })
                .unwrap();
            assert!(page.len() <= 2);
            let Some(last) = page.last() else { break };
            after = Some(last.id.0);
            walked.extend(page.iter().map(|l| l.id));
        }
        assert_eq!(walked, lead_ids[3..=7]);

        let since = crm
            .list_orders(&OrderQuery {
                from: Some(at(8, 0)),
                page: Page::first(2),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            since.iter().map(|o| o.id).collect::<Vec<_>>(),
            order_ids[..2],
            "the first page of days 8 to 10, by id"
        );
    }
}
