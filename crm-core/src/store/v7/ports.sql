-- Web-shop orders: the source an order was attributed to, and the lead and deal a new client's first
-- order made, so a repeat of the order reports what its first recording did. The order itself (with
-- its `{shop}:{id}` external_ref) is in `orders`.
CREATE TABLE web_orders (
    order_id  INTEGER PRIMARY KEY REFERENCES orders (id),
    source_id INTEGER REFERENCES sources (id),
    lead_id   INTEGER REFERENCES leads (id),
    deal_id   INTEGER REFERENCES deals (id)
) STRICT;
CREATE INDEX web_orders_by_source ON web_orders (source_id);
CREATE INDEX web_orders_by_lead ON web_orders (lead_id);
CREATE INDEX web_orders_by_deal ON web_orders (deal_id);
