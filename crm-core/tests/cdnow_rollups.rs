#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The client rollups against a real purchase history: every CDNOW row (69,659 of them, 23,570 customers)
//! is recorded as an order, and each customer's stored revenue, order count and first and last purchase
//! must equal, to the cent, what other tools computed from the same rows (`tests/data/cdnow`). The rollups
//! are also recomputed from the stored orders, and cancelling and restoring orders must keep them right.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::{
    ClientId, ClientKind, ClientRollup, Crm, Money, MonthRevenue, NewClient, NewOrder, Order,
    OrderId, OrderQuery, OrderStatus, Page,
};

/// Facts of the data set (see `tests/data/cdnow/README.md`).
const ROWS: usize = 69_659;
const CUSTOMERS: usize = 23_570;
const TOTAL_REVENUE: &str = "2500315.63";

/// The largest page the listings give.
const PAGE: u32 = 10_000;

/// One row of `cdnow_transactions.csv`.
struct Purchase {
    line_no: u64,
    customer: u64,
    date: NaiveDate,
    amount: Money,
}

/// One row of `cdnow_rfm_truth.csv`, the columns this test checks.
struct Truth {
    customer: u64,
    n_transactions: i64,
    n_purchase_days: i64,
    total_revenue: Money,
    first_purchase: NaiveDate,
    last_purchase: NaiveDate,
}

/// A comma-separated file without quoting: the header's column names and the rows' fields.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(name: &str) -> Csv {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/cdnow")
            .join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .expect("a header line")
            .split(',')
            .map(str::to_string)
            .collect();
        let rows: Vec<Vec<String>> = lines
            .filter(|l| !l.is_empty())
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.len(), header.len(), "{name}: row {i} has {row:?}");
        }
        Csv { header, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("date {text:?}: {e}"))
}

fn money(text: &str) -> Money {
    Money::parse(text).unwrap_or_else(|e| panic!("amount {text:?}: {e}"))
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}

fn purchases() -> Vec<Purchase> {
    let csv = Csv::read("cdnow_transactions.csv");
    let (line_no, customer, date, amount) = (
        csv.column("line_no"),
        csv.column("customer_id"),
        csv.column("date"),
        csv.column("amount"),
    );
    csv.rows
        .iter()
        .map(|r| Purchase {
            line_no: r[line_no].parse().expect("line_no"),
            customer: r[customer].parse().expect("customer_id"),
            date: day(&r[date]),
            amount: money(&r[amount]),
        })
        .collect()
}

fn truth() -> Vec<Truth> {
    let csv = Csv::read("cdnow_rfm_truth.csv");
    let (customer, n, days, revenue, first, last) = (
        csv.column("customer_id"),
        csv.column("n_transactions"),
        csv.column("n_purchase_days"),
        csv.column("total_revenue"),
        csv.column("first_purchase"),
        csv.column("last_purchase"),
    );
    csv.rows
        .iter()
        .map(|r| Truth {
            customer: r[customer].parse().expect("customer_id"),
            n_transactions: r[n].parse().expect("n_transactions"),
            n_purchase_days: r[days].parse().expect("n_purchase_days"),
            total_revenue: money(&r[revenue]),
            first_purchase: day(&r[first]),
            last_purchase: day(&r[last]),
        })
        .collect()
}

/// Adds one client per customer and records every row as a completed order; returns the client ids.
fn load(crm: &Crm, purchases: &[Purchase]) -> BTreeMap<u64, ClientId> {
    let mut clients = BTreeMap::new();
    for p in purchases {
        if clients.contains_key(&p.customer) {
            continue;
        }
        let mut new = NewClient::new(ClientKind::Person, format!("CDNOW customer {}", p.customer));
        new.external_ref = Some(format!("cdnow-{}", p.customer));
        let client = crm.add_client(new, midnight(p.date)).expect("add_client");
        clients.insert(p.customer, client.id);
    }
    // The first rows go through `record_order` one transaction each, the rest through the batch
    // `record_orders`: both paths must keep the rollups exact.
    let order_of = |p: &Purchase| NewOrder {
        client_id: clients[&p.customer],
        total: p.amount,
        external_ref: Some(format!("cdnow-line-{}", p.line_no)),
        ..Default::default()
    };
    let (single, batched) = purchases.split_at(purchases.len().min(2_000));
    for p in single {
        let stored = crm
            .record_order(order_of(p), midnight(p.date))
            .unwrap_or_else(|e| panic!("line {}: {e}", p.line_no));
        assert_eq!(stored.status, OrderStatus::Completed);
        assert_eq!(stored.total, p.amount);
    }
    for chunk in batched.chunks(10_000) {
        let batch = chunk
            .iter()
            .map(|p| (order_of(p), midnight(p.date)))
            .collect();
        let results = crm.record_orders(batch).expect("record_orders");
        assert_eq!(results.len(), chunk.len());
        for (p, result) in chunk.iter().zip(results) {
            let stored = result.unwrap_or_else(|e| panic!("line {}: {e}", p.line_no));
            assert_eq!(stored.status, OrderStatus::Completed);
            assert_eq!(stored.total, p.amount);
        }
    }
    clients
}

/// Every stored rollup, read page by page.
fn stored_rollups(crm: &Crm) -> BTreeMap<ClientId, ClientRollup> {
    let mut all = BTreeMap::new();
    let mut after = None;
    loop {
        let page = crm
            .list_rollups(Page { after, limit: PAGE })
            .expect("list_rollups");
        let Some(last) = page.last() else { break };
        after = Some(last.client_id.0);
        for rollup in page {
            let id = rollup.client_id;
            assert!(all.insert(id, rollup).is_none(), "client {id} listed twice");
        }
    }
    all
}

/// Every stored order, read page by page.
fn all_orders(crm: &Crm) -> Vec<Order> {
    let mut all: Vec<Order> = Vec::new();
    loop {
        let query = OrderQuery {
            page: Page {
                after: all.last().map(|o| o.id.0),
                limit: PAGE,
            },
            ..Default::default()
        };
        let page = crm.list_orders(&query).expect("list_orders");
        if page.is_empty() {
            break;
        }
        if let (Some(prev), Some(first)) = (all.last(), page.first()) {
            assert!(first.id > prev.id, "pages overlap");
        }
        all.extend(page);
    }
    all
}

/// One client's orders (any status).
fn orders_of(crm: &Crm, client_id: ClientId) -> Vec<Order> {
    let orders = crm
        .list_orders(&OrderQuery {
            client_id: Some(client_id),
            page: Page::first(PAGE),
            ..Default::default()
        })
        .expect("list_orders");
    assert!(orders.len() < PAGE as usize, "a client has too many orders");
    orders
}

fn empty_rollup(client_id: ClientId) -> ClientRollup {
    ClientRollup {
        client_id,
        revenue: Money::ZERO,
        orders: 0,
        first_order_at: None,
        last_order_at: None,
        purchase_days: 0,
    }
}

/// Rollups recomputed from orders: completed ones only, clients without any are absent.
fn recompute(orders: &[Order]) -> BTreeMap<ClientId, ClientRollup> {
    let mut rollups: BTreeMap<ClientId, ClientRollup> = BTreeMap::new();
    let mut days = std::collections::BTreeSet::new();
    for o in orders.iter().filter(|o| o.status == OrderStatus::Completed) {
        let r = rollups
            .entry(o.client_id)
            .or_insert_with(|| empty_rollup(o.client_id));
        r.revenue = r.revenue.checked_add(o.total).expect("no overflow");
        r.orders += 1;
        if days.insert((o.client_id, o.ordered_at.date_naive())) {
            r.purchase_days += 1;
        }
        r.first_order_at = Some(
            r.first_order_at
                .map_or(o.ordered_at, |t| t.min(o.ordered_at)),
        );
        r.last_order_at = Some(
            r.last_order_at
                .map_or(o.ordered_at, |t| t.max(o.ordered_at)),
        );
    }
    rollups
}

/// One client's rollup recomputed from its orders (zeros when none is completed).
fn recompute_one(client_id: ClientId, orders: &[Order]) -> ClientRollup {
    recompute(orders)
        .remove(&client_id)
        .unwrap_or_else(|| empty_rollup(client_id))
}

/// Revenue per `YYYY-MM` recomputed from orders, as the store lists it.
fn months_from_orders(client_id: ClientId, orders: &[Order]) -> Vec<MonthRevenue> {
    let mut months: BTreeMap<String, MonthRevenue> = BTreeMap::new();
    let mut days = std::collections::BTreeSet::new();
    for o in orders.iter().filter(|o| o.status == OrderStatus::Completed) {
        let month = o.ordered_at.format("%Y-%m").to_string();
        let m = months.entry(month.clone()).or_insert(MonthRevenue {
            client_id,
            month,
            revenue: Money::ZERO,
            orders: 0,
            days: 0,
            last_order_at: None,
        });
        m.revenue = m.revenue.checked_add(o.total).expect("no overflow");
        m.orders += 1;
        m.days += i64::from(days.insert(o.ordered_at.date_naive()));
        m.last_order_at = Some(
            m.last_order_at
                .map_or(o.ordered_at, |t| t.max(o.ordered_at)),
        );
    }
    months.into_values().collect()
}

fn sum_revenue<'a>(rollups: impl IntoIterator<Item = &'a ClientRollup>) -> Money {
    Money::checked_sum(rollups.into_iter().map(|r| r.revenue)).expect("no overflow")
}

#[test]
fn cdnow_rollups_match_the_reference_to_the_cent() {
    let started = Instant::now();
    let purchases = purchases();
    let truth = truth();
    assert_eq!(purchases.len(), ROWS);
    assert_eq!(truth.len(), CUSTOMERS);
    let total = money(TOTAL_REVENUE);
    assert_eq!(
        Money::checked_sum(purchases.iter().map(|p| p.amount)),
        Some(total),
        "the fixture's rows add up to the published total"
    );

    let crm = Crm::open_in_memory().expect("open");
    let clients = load(&crm, &purchases);
    let loaded = started.elapsed();
    assert_eq!(clients.len(), CUSTOMERS);

    // Every customer, exactly: revenue in cents, rows counted one by one, first and last purchase day.
    let stored = stored_rollups(&crm);
    assert_eq!(stored.len(), CUSTOMERS, "every customer has a rollup");
    for t in &truth {
        let client_id = *clients
            .get(&t.customer)
            .unwrap_or_else(|| panic!("customer {} has no purchases", t.customer));
        let expected = ClientRollup {
            client_id,
            revenue: t.total_revenue,
            orders: t.n_transactions,
            first_order_at: Some(midnight(t.first_purchase)),
            last_order_at: Some(midnight(t.last_purchase)),
            purchase_days: t.n_purchase_days,
        };
        assert_eq!(
            stored.get(&client_id),
            Some(&expected),
            "customer {}",
            t.customer
        );
    }
    // The single-client read agrees with the listing.
    for t in truth.iter().step_by(500) {
        let client_id = clients[&t.customer];
        assert_eq!(
            &crm.client_rollup(client_id).expect("client_rollup"),
            &stored[&client_id]
        );
    }

    // Grand totals.
    assert_eq!(sum_revenue(stored.values()), total);
    assert_eq!(
        stored.values().map(|r| r.orders).sum::<i64>(),
        i64::try_from(ROWS).expect("fits")
    );
    assert_eq!(
        Money::checked_sum(truth.iter().map(|t| t.total_revenue)),
        Some(total)
    );

    // Recomputed from the orders themselves.
    let orders = all_orders(&crm);
    assert_eq!(orders.len(), ROWS);
    assert!(orders.iter().all(|o| o.lines.is_empty()));
    assert_eq!(
        recompute(&orders),
        stored,
        "rollups recomputed from the orders"
    );

    // Monthly revenue adds up to the rollup, and equals the months of the customer's own rows.
    let mut by_customer: BTreeMap<u64, Vec<&Purchase>> = BTreeMap::new();
    for p in &purchases {
        by_customer.entry(p.customer).or_default().push(p);
    }
    let busiest = truth
        .iter()
        .max_by_key(|t| (t.n_transactions, std::cmp::Reverse(t.customer)))
        .expect("customers")
        .customer;
    let sample: Vec<u64> = truth
        .iter()
        .map(|t| t.customer)
        .filter(|c| c % 250 == 1 || *c == 3 || *c == busiest)
        .collect();
    assert!(sample.len() > 90);
    for customer in &sample {
        let client_id = clients[customer];
        let months = crm
            .client_monthly_revenue(client_id)
            .expect("client_monthly_revenue");
        let rollup = &stored[&client_id];
        assert_eq!(
            Money::checked_sum(months.iter().map(|m| m.revenue)),
            Some(rollup.revenue),
            "customer {customer}"
        );
        assert_eq!(
            months.iter().map(|m| m.orders).sum::<i64>(),
            rollup.orders,
            "customer {customer}"
        );
        let mut expected: BTreeMap<String, MonthRevenue> = BTreeMap::new();
        let mut days = std::collections::BTreeSet::new();
        for p in &by_customer[customer] {
            let month = p.date.format("%Y-%m").to_string();
            let m = expected.entry(month.clone()).or_insert(MonthRevenue {
                client_id,
                month,
                revenue: Money::ZERO,
                orders: 0,
                days: 0,
                last_order_at: None,
            });
            m.revenue = m.revenue.checked_add(p.amount).expect("no overflow");
            m.orders += 1;
            m.days += i64::from(days.insert(p.date));
            let at = midnight(p.date);
            m.last_order_at = Some(m.last_order_at.map_or(at, |t| t.max(at)));
        }
        let expected: Vec<MonthRevenue> = expected.into_values().collect();
        assert_eq!(months, expected, "customer {customer}");
    }
    let checked = started.elapsed();

    cancel_and_restore(&crm, &clients, &stored, busiest);

    eprintln!(
        "cdnow: loaded {ROWS} orders of {CUSTOMERS} clients in {:.1} s; checks {:.1} s; \
         cancel/restore {:.1} s",
        loaded.as_secs_f64(),
        (checked - loaded).as_secs_f64(),
        (started.elapsed() - checked).as_secs_f64()
    );
}

/// Takes orders out of the rollups by cancelling or returning them (a customer's first and last among
/// them), checks the rollups against the remaining completed orders, then puts them back.
fn cancel_and_restore(
    crm: &Crm,
    clients: &BTreeMap<u64, ClientId>,
    original: &BTreeMap<ClientId, ClientRollup>,
    busiest: u64,
) {
    let at = midnight(day("1998-07-01"));
    let original_months = |client_id: ClientId| {
        crm.client_monthly_revenue(client_id)
            .expect("client_monthly_revenue")
    };

    // Customer 3: six orders on six different days. Customer 2: two orders on the same day. Customer 1:
    // a single order. The busiest customer: the most orders.
    let three = clients[&3];
    let two = clients[&2];
    let one = clients[&1];
    let most = clients[&busiest];
    let mut months_before = BTreeMap::new();
    for id in [three, two, one, most] {
        months_before.insert(id, original_months(id));
    }

    let by_date = |client_id: ClientId| {
        let mut orders = orders_of(crm, client_id);
        orders.sort_by_key(|o| (o.ordered_at, o.id));
        orders
    };
    let three_orders = by_date(three);
    assert_eq!(three_orders.len(), 6);
    let most_orders = by_date(most);
    let two_orders = by_date(two);
    assert_eq!(two_orders.len(), 2);
    let one_orders = by_date(one);
    assert_eq!(one_orders.len(), 1);

    let changes: Vec<(OrderId, OrderStatus)> = vec![
        (three_orders[0].id, OrderStatus::Cancelled),
        (three_orders[5].id, OrderStatus::Cancelled),
        (three_orders[2].id, OrderStatus::Returned),
        (two_orders[1].id, OrderStatus::Cancelled),
        (one_orders[0].id, OrderStatus::Cancelled),
        (most_orders[0].id, OrderStatus::Cancelled),
        (most_orders[most_orders.len() - 1].id, OrderStatus::Returned),
    ];
    let mut taken_out = Money::ZERO;
    for (id, status) in &changes {
        let order = crm
            .set_order_status(*id, *status, at)
            .expect("set_order_status");
        assert_eq!(order.status, *status);
        taken_out = taken_out.checked_add(order.total).expect("no overflow");
    }

    for id in [three, two, one, most] {
        let orders = orders_of(crm, id);
        let rollup = crm.client_rollup(id).expect("client_rollup");
        assert_eq!(rollup, recompute_one(id, &orders), "client {id}");
        assert_eq!(
            crm.client_monthly_revenue(id).expect("months"),
            months_from_orders(id, &orders),
            "client {id}"
        );
    }

    // The changes are visible: customer 3 lost its first and last day and three orders.
    let r3 = crm.client_rollup(three).expect("client_rollup");
    assert_eq!(r3.orders, 3);
    assert_eq!(r3.first_order_at, Some(three_orders[1].ordered_at));
    assert_eq!(r3.last_order_at, Some(three_orders[4].ordered_at));
    let kept = [1, 3, 4].map(|i| three_orders[i].total);
    assert_eq!(Some(r3.revenue), Money::checked_sum(kept));
    // Customer 2 still bought on that day, once.
    let r2 = crm.client_rollup(two).expect("client_rollup");
    assert_eq!(r2.orders, 1);
    assert_eq!(r2.first_order_at, original[&two].first_order_at);
    assert_eq!(r2.revenue, two_orders[0].total);
    // Customer 1 has no completed order left: zeros, not listed, no months.
    assert_eq!(
        crm.client_rollup(one).expect("client_rollup"),
        empty_rollup(one)
    );
    assert!(crm.client_monthly_revenue(one).expect("months").is_empty());
    let after = stored_rollups(crm);
    assert!(!after.contains_key(&one));
    assert_eq!(after.len(), CUSTOMERS - 1);
    assert_eq!(
        sum_revenue(after.values()).checked_add(taken_out),
        Some(money(TOTAL_REVENUE))
    );
    // No other client was touched.
    assert_eq!(
        recompute(&all_orders(crm)),
        after,
        "rollups recomputed from the orders after the cancellations"
    );

    // Back to completed: everything as it was.
    for (id, _) in &changes {
        let order = crm
            .set_order_status(*id, OrderStatus::Completed, at)
            .expect("set_order_status");
        assert_eq!(order.status, OrderStatus::Completed);
    }
    for id in [three, two, one, most] {
        assert_eq!(
            &crm.client_rollup(id).expect("client_rollup"),
            &original[&id]
        );
        assert_eq!(original_months(id), months_before[&id], "client {id}");
    }
    assert_eq!(&stored_rollups(crm), original);
}
