//! The web-shop and ERP ports: commands an adapter calls with what the other system sent. A web order
//! finds or creates its client and source and, for a new client, the converted lead and won deal the
//! funnel and source reports count; the ERP upserts counterparties and orders by their references. The
//! way back is the change feed ([`Crm::changes_since`]), whose shape `docs/change-feed.md` pins.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{
    Crm, Session, Transaction, changed_fields, check_order, check_revenue_room, load_client, log,
};
use crate::dedup::matching::Profile;
use crate::error::{Error, Result};
use crate::model::Money;
use crate::model::{
    Channel, Client, ClientId, ClientKind, ClientPatch, ConvertLead, Counterparty, ErpOrder,
    NewClient, NewContact, NewLead, NewOrder, NewSource, Order, OrderLine, OrderStatus, Probe,
    Quality, SourceId, UpsertAction, Upserted, Utm, WebCustomer, WebOrder, WebOrderResult,
};
use crate::store::{catalog, clients, dedup as keys_store, orders, ports as store};
use crate::validate;

super::facade! {
    writes {
        /// Records an order as a web shop sends it, in one transaction.
        ///
        /// - **Idempotent** by the shop's order id: the order's `external_ref` is `{shop}:{id}` (just
        ///   `id` without `shop`). The same order again returns the stored one with `duplicate: true`
        ///   and writes nothing, except a changed `status` (applied as [`Crm::set_order_status`]);
        ///   other lines or another total under the same id are a conflict.
        /// - **The client**: the one whose phone and e-mail keys both point at it (the lowest id when
        ///   several do); else the one client the phone or the e-mail points at; else the one client
        ///   `find_duplicates` scores at least the `auto_link` setting (see [`crate::DedupSettings`]);
        ///   else a new client: a person named after the customer, or, with `customer.company`, a
        ///   company of that name with the customer as its contact person.
        /// - **The source**: with UTM tags, the source named `utm.source` with the campaign
        ///   `utm.campaign` (created when missing, its channel read from `utm.medium`: `cpc`, `ppc`,
        ///   `paid`, `cpm`, `display`, `banner` → ads; `email`, `newsletter` → email; `organic`,
        ///   `seo` → web; `referral`, `affiliate`, `partner` → referral; `messenger`, `telegram`,
        ///   `viber`, `whatsapp` → messenger; anything else, `social` included, → other); without
        ///   them, the source named after `shop` (or `web shop`), channel shop.
        /// - **A new client's first order** is also a lead (channel shop, the source, the customer's
        ///   details, the note as its need), taken in work, qualified and converted at `placed_at` into
        ///   a deal of the order's total titled `Web order {external_ref}`, which the order closes and
        ///   which is won when the order is completed: the funnel and the source report see a lead
        ///   that converted and won its revenue. A known client's order is only an order.
        ///
        /// A customer with neither a phone nor an e-mail is a validation error on `customer`.
        /// Everything is dated `placed_at` (default `at`). `total` must equal the lines plus shipping
        /// (shipping is stored as a line with the SKU `shipping`), else a validation error on `total`
        /// naming the difference.
        fn record_web_order(order: WebOrder, at: DateTime<Utc>) -> WebOrderResult;
        /// Adds or updates a client from an ERP counterparty, keyed by its `external_ref`:
        ///
        /// - a known reference: the fields given are applied as [`Crm::update_client`] (left out: kept;
        ///   `null`: cleared); `updated` when something changed, else `unchanged` (nothing written);
        /// - an unknown reference whose tax id is that of exactly one client without a reference (the
        ///   first ERP sync of a base kept by hand): that client gets the reference and the fields
        ///   (`updated`); several such clients are a conflict (link one by hand);
        /// - else a new client (`created`; `name` is required, `kind` defaults to company).
        ///
        /// Events: the client's `created` or `updated`.
        fn upsert_counterparty(counterparty: Counterparty, at: DateTime<Utc>) -> Upserted<Client>;
        /// Adds or corrects an order from an ERP, keyed by its `external_ref`; the buyer is the client
        /// with the reference `counterparty_ref` (not found otherwise).
        ///
        /// - a new reference: recorded as [`Crm::record_order`] at `placed_at` (default `at`),
        ///   `created`;
        /// - a known one as stored (client, time, total, lines, status): `unchanged`, nothing written;
        /// - only the status differs: [`Crm::set_order_status`] (event `status_changed`), `updated`;
        /// - the client, time, total or lines differ (an ERP corrects its documents): the order is
        ///   corrected in place, the rollups of its old and new client are rebuilt, and an order
        ///   `updated` event carries the changed fields' new values; `updated`. An order moved to
        ///   another client leaves its deal.
        fn upsert_order(order: ErpOrder, at: DateTime<Utc>) -> Upserted<Order>;
    }
    reads {}
}

/// The channel of a new source from a UTM medium.
fn channel_of(medium: Option<&str>) -> Channel {
    let medium = medium.map(|m| m.trim().to_lowercase()).unwrap_or_default();
    match medium.as_str() {
        "cpc" | "ppc" | "paid" | "paidsearch" | "paid_search" | "paid-search" | "cpm" | "cpa"
        | "display" | "banner" | "retargeting" => Channel::Ads,
        "email" | "e-mail" | "newsletter" => Channel::Email,
        "organic" | "seo" => Channel::Web,
        "referral" | "affiliate" | "partner" => Channel::Referral,
        "messenger" | "telegram" | "viber" | "whatsapp" => Channel::Messenger,
        _ => Channel::Other,
    }
}

/// The source of a web order without UTM tags is named after its shop, or this.
const DEFAULT_SHOP_SOURCE: &str = "web shop";

/// A web order's lines as order lines (shipping as a line of its own), checked to add up to `total`.
fn web_lines(order: &WebOrder) -> Result<Vec<OrderLine>> {
    let total = validate::non_negative("total", order.total)?;
    let shipping = order
        .shipping
        .map(|s| validate::non_negative("shipping", s))
        .transpose()?
        .unwrap_or(Money::ZERO);
    let mut lines = Vec::with_capacity(order.lines.len() + 1);
    let mut sum = Money::ZERO;
    for (i, line) in order.lines.iter().enumerate() {
        let sku = validate::required(&format!("lines[{i}].sku"), &line.sku)?;
        if line.quantity <= 0 {
            return Err(Error::validation(
                format!("lines[{i}].quantity"),
                "must be greater than zero",
            ));
        }
        let price = validate::non_negative(&format!("lines[{i}].price"), line.price)?;
        sum = price
            .checked_mul(line.quantity)
            .and_then(|a| sum.checked_add(a))
            .ok_or_else(|| Error::validation(format!("lines[{i}]"), "amount is out of range"))?;
        lines.push(OrderLine::new(sku, line.quantity, price));
    }
    if lines.is_empty() {
        return Ok(lines);
    }
    let expected = sum
        .checked_add(shipping)
        .ok_or_else(|| Error::validation("shipping", "amount is out of range"))?;
    if expected != total {
        let difference = match total.checked_sub(expected) {
            Some(d) => d.to_string(),
            None => "out of range".into(),
        };
        return Err(Error::validation(
            "total",
            format!(
                "must equal the lines ({sum}) plus shipping ({shipping}) = {expected}; \
                 {total} differs by {difference}"
            ),
        ));
    }
    if shipping != Money::ZERO {
        lines.push(OrderLine::new("shipping", 1, shipping));
    }
    Ok(lines)
}

impl Session<'_> {
    // --- web shop -----------------------------------------------------------------------------------
    pub(crate) fn record_web_order(
        &self,
        web: WebOrder,
        at: DateTime<Utc>,
    ) -> Result<WebOrderResult> {
        let at = validate::time("at", at)?;
        let placed_at = validate::time("placed_at", web.placed_at.unwrap_or(at))?;
        let id = validate::required("id", &web.id)?;
        let shop = validate::optional("shop", web.shop.as_deref())?;
        let external_ref = match &shop {
            Some(shop) => format!("{shop}:{id}"),
            None => id,
        };
        if let Some(currency) = &web.currency {
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(Error::validation(
                    "currency",
                    "must be a three-letter currency code",
                ));
            }
        }
        let name = validate::required("customer.name", &web.customer.name)?;
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|t| t.trim().is_empty());
        if blank(&web.customer.phone) && blank(&web.customer.email) {
            // A shop always asks for one; without either the buyer cannot be told from another one of
            // the same name, and every order would make a new client.
            return Err(Error::validation("customer", "needs a phone or an e-mail"));
        }
        let lines = web_lines(&web)?;
        let status = web.status.unwrap_or(OrderStatus::Completed);
        let tx = self.conn;
        if let Some(stored) = orders::by_external_ref(tx, &external_ref)? {
            if stored.total != web.total || stored.lines != lines {
                return Err(Error::Conflict(format!(
                    "web order {external_ref} is recorded already (order {}) with other lines or \
                     another total",
                    stored.id
                )));
            }
            let links = store::web_order(tx, stored.id)?.unwrap_or((None, None, stored.deal_id));
            let order = self.set_order_status(stored.id, status, at)?;
            return Ok(WebOrderResult {
                client_id: order.client_id,
                order,
                client_created: false,
                source_id: links.0,
                lead_id: links.1,
                deal_id: links.2,
                duplicate: true,
            });
        }
        let source_id = self.web_source(shop.as_deref(), web.utm.as_ref(), placed_at)?;
        let (client_id, client_created) = match self.match_customer(&web.customer, &name)? {
            Some(id) => (id, false),
            None => (self.create_customer(&web.customer, &name, placed_at)?, true),
        };
        let (lead_id, deal_id) = if client_created {
            let mut lead = NewLead::new(Channel::Shop);
            lead.source_id = Some(source_id);
            lead.name = Some(name.clone());
            lead.company = web.customer.company.clone();
            lead.phone = web.customer.phone.clone();
            lead.email = web.customer.email.clone();
            lead.need = web.note.clone();
            lead.estimated_value = Some(web.total);
            lead.client_id = Some(client_id);
            let lead = self.capture_lead(lead, placed_at)?.lead;
            self.start_lead(lead.id, placed_at)?;
            self.qualify_lead(lead.id, placed_at)?;
            let options = ConvertLead {
                client_id: Some(client_id),
                amount: Some(web.total),
                title: Some(format!("Web order {external_ref}")),
                stage: None,
            };
            let conversion = self.convert_lead(lead.id, options, placed_at)?;
            (Some(lead.id), Some(conversion.deal_id))
        } else {
            (None, None)
        };
        let new = NewOrder {
            client_id,
            total: web.total,
            lines,
            status: Some(status),
            deal_id,
            external_ref: Some(external_ref),
        };
        let order = self.record_order(new, placed_at)?;
        if let (Some(deal), OrderStatus::Completed) = (deal_id, status) {
            self.win_deal(deal, placed_at)?;
        }
        store::insert_web_order(tx, order.id, (Some(source_id), lead_id, deal_id))?;
        Ok(WebOrderResult {
            order,
            client_id,
            client_created,
            lead_id,
            deal_id,
            source_id: Some(source_id),
            duplicate: false,
        })
    }

    /// The source a web order is attributed to, created when missing.
    fn web_source(
        &self,
        shop: Option<&str>,
        utm: Option<&Utm>,
        at: DateTime<Utc>,
    ) -> Result<SourceId> {
        let new = match utm {
            Some(utm) => NewSource {
                name: validate::required("utm.source", &utm.source)?,
                channel: channel_of(utm.medium.as_deref()),
                campaign: validate::optional("utm.campaign", utm.campaign.as_deref())?,
            },
            None => NewSource {
                name: shop.unwrap_or(DEFAULT_SHOP_SOURCE).to_string(),
                channel: Channel::Shop,
                campaign: None,
            },
        };
        match catalog::source_id_by_name(self.conn, &new.name, new.campaign.as_deref())? {
            Some(id) => Ok(id),
            None => Ok(self.add_source(new, at)?.id),
        }
    }

    /// The one existing client a web customer is (see [`Crm::record_web_order`]), if any.
    fn match_customer(&self, customer: &WebCustomer, name: &str) -> Result<Option<ClientId>> {
        let tx = self.conn;
        let settings = keys_store::settings(tx)?;
        let probe = Probe {
            name: Some(name.to_string()),
            company: customer.company.clone(),
            phone: customer.phone.clone(),
            email: customer.email.clone(),
            ..Default::default()
        };
        let profile_keys = Profile::of_probe(&probe, &settings.default_country).keys();
        let with = |prefix: &str| -> Result<BTreeSet<ClientId>> {
            let mut ids = BTreeSet::new();
            for key in profile_keys.iter().filter(|k| k.starts_with(prefix)) {
                // A key too many clients share (an office phone) says nothing about who is who.
                if let Some(found) = keys_store::clients_with_key(tx, key, settings.key_limit)? {
                    ids.extend(found);
                }
            }
            Ok(ids)
        };
        let (by_phone, by_email) = (with("p:")?, with("e:")?);
        if let Some(both) = by_phone.intersection(&by_email).next() {
            return Ok(Some(*both));
        }
        let either: BTreeSet<ClientId> = by_phone.union(&by_email).copied().collect();
        if either.len() == 1 {
            return Ok(either.first().copied());
        }
        let strong: Vec<ClientId> = self
            .find_duplicates(&probe)?
            .into_iter()
            .filter(|m| m.score >= settings.auto_link)
            .map(|m| m.client_id)
            .collect();
        Ok(match strong.as_slice() {
            [one] => Some(*one),
            _ => None,
        })
    }

    /// A new client for a web customer: a person, or a company with the customer as its contact.
    fn create_customer(
        &self,
        customer: &WebCustomer,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<ClientId> {
        let company = validate::optional("customer.company", customer.company.as_deref())?;
        let (kind, client_name) = match &company {
            Some(company) => (ClientKind::Company, company.clone()),
            None => (ClientKind::Person, name.to_string()),
        };
        let mut new = NewClient::new(kind, client_name);
        new.phone = customer.phone.clone();
        new.email = customer.email.clone();
        let client = self.add_client(new, at)?;
        if company.is_some() {
            let contact = NewContact {
                client_id: client.id,
                name: name.to_string(),
                position: None,
                phones: customer.phone.iter().cloned().collect(),
                emails: customer.email.iter().cloned().collect(),
            };
            self.add_contact(contact, at)?;
        }
        Ok(client.id)
    }

    // --- ERP ----------------------------------------------------------------------------------------
    pub(crate) fn upsert_counterparty(
        &self,
        c: Counterparty,
        at: DateTime<Utc>,
    ) -> Result<Upserted<Client>> {
        let at = validate::time("at", at)?;
        let external_ref = validate::required("external_ref", &c.external_ref)?;
        let tx = self.conn;
        let existing = match clients::id_by_external_ref(tx, &external_ref)? {
            Some(id) => Some(id),
            None => self.unreferenced_with_tax_id(&c)?,
        };
        let Some(id) = existing else {
            let name = c
                .name
                .ok_or_else(|| Error::validation("name", "is required for a new counterparty"))?;
            let new = NewClient {
                kind: c.kind,
                name,
                tax_id: c.tax_id.flatten(),
                phone: c.phone.flatten(),
                email: c.email.flatten(),
                website: c.website.flatten(),
                industry: c.industry.flatten(),
                region: c.region.flatten(),
                address: c.address.flatten(),
                birth_date: c.birth_date.flatten(),
                owner_id: None,
                tags: c.tags.unwrap_or_default(),
                attributes: c.attributes.unwrap_or(serde_json::Value::Null),
                external_ref: Some(external_ref),
            };
            return Ok(Upserted {
                record: self.add_client(new, at)?,
                action: UpsertAction::Created,
            });
        };
        let old = load_client(tx, id)?;
        let patch = ClientPatch {
            kind: c.kind,
            name: c.name,
            tax_id: c.tax_id,
            phone: c.phone,
            email: c.email,
            website: c.website,
            industry: c.industry,
            region: c.region,
            address: c.address,
            birth_date: c.birth_date,
            owner_id: None,
            tags: c.tags,
            attributes: c.attributes,
            external_ref: Some(Some(external_ref)),
        };
        let client = self.update_client(id, patch, at)?;
        let action = if client == old {
            UpsertAction::Unchanged
        } else {
            UpsertAction::Updated
        };
        Ok(Upserted {
            record: client,
            action,
        })
    }

    /// The one client without an ERP reference whose (well-formed) tax id is the counterparty's.
    fn unreferenced_with_tax_id(&self, c: &Counterparty) -> Result<Option<ClientId>> {
        let Some(Some(tax_id)) = &c.tax_id else {
            return Ok(None);
        };
        let tx = self.conn;
        let settings = keys_store::settings(tx)?;
        let probe = Probe {
            tax_id: Some(tax_id.clone()),
            ..Default::default()
        };
        let mut found = Vec::new();
        for key in Profile::of_probe(&probe, &settings.default_country).keys() {
            if !key.starts_with("t:") {
                continue;
            }
            let Some(ids) = keys_store::clients_with_key(tx, &key, settings.key_limit)? else {
                continue;
            };
            for id in ids {
                if let Some(client) = clients::by_id(tx, id)? {
                    if client.external_ref.is_none()
                        && client.tax_id_quality == Some(Quality::Valid)
                    {
                        found.push(id);
                    }
                }
            }
        }
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            several => Err(Error::Conflict(format!(
                "several clients without an external_ref have this tax id ({}): set the \
                 external_ref of the right one first",
                several
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    pub(crate) fn upsert_order(&self, o: ErpOrder, at: DateTime<Utc>) -> Result<Upserted<Order>> {
        let at = validate::time("at", at)?;
        let external_ref = validate::required("external_ref", &o.external_ref)?;
        let counterparty = validate::required("counterparty_ref", &o.counterparty_ref)?;
        let placed_at = o
            .placed_at
            .map(|t| validate::time("placed_at", t))
            .transpose()?;
        let (tx, actor) = (self.conn, self.actor);
        let client_id = clients::id_by_external_ref(tx, &counterparty)?.ok_or_else(|| {
            Error::not_found("client", format!("with external_ref {counterparty}"))
        })?;
        let Some(stored) = orders::by_external_ref(tx, &external_ref)? else {
            let new = NewOrder {
                client_id,
                total: o.total,
                lines: o.lines,
                status: o.status,
                deal_id: None,
                external_ref: Some(external_ref),
            };
            return Ok(Upserted {
                record: self.record_order(new, placed_at.unwrap_or(at))?,
                action: UpsertAction::Created,
            });
        };
        let new = NewOrder {
            client_id,
            total: o.total,
            lines: o.lines,
            status: Some(o.status.unwrap_or(stored.status)),
            // A deal is its client's: an order moved to another client leaves it.
            deal_id: stored.deal_id.filter(|_| client_id == stored.client_id),
            external_ref: Some(external_ref),
        };
        let mut order = check_order(new, placed_at.unwrap_or(stored.ordered_at))?;
        order.id = stored.id;
        if order == stored {
            return Ok(Upserted {
                record: stored,
                action: UpsertAction::Unchanged,
            });
        }
        let same_content = Order {
            status: stored.status,
            ..order.clone()
        } == stored;
        if same_content {
            return Ok(Upserted {
                record: self.set_order_status(stored.id, order.status, at)?,
                action: UpsertAction::Updated,
            });
        }
        if order.status == OrderStatus::Completed {
            let revenue =
                orders::rollup_of(tx, order.client_id)?.map_or(Money::ZERO, |r| r.revenue);
            check_revenue_room(revenue, Money::ZERO, order.total)?;
        }
        store::replace_order(tx, &order)?;
        // The rebuilt rollups mark the clients' purchase rhythm for recomputation (the triggers on
        // client_rollups).
        orders::rebuild_rollups(tx, stored.client_id)?;
        if order.client_id != stored.client_id {
            orders::rebuild_rollups(tx, order.client_id)?;
        }
        let changes = changed_fields(&stored, &order)?;
        log(tx, at, actor, "order", order.id.0, "updated", &changes)?;
        Ok(Upserted {
            record: order,
            action: UpsertAction::Updated,
        })
    }
}
