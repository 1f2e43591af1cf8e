-- Each client's buying rhythm and place on the dormancy ladder, as the last run_due left it
-- (crate::retention::dormancy). A client without a completed order has no row.
CREATE TABLE client_rhythm (
    client_id     INTEGER PRIMARY KEY REFERENCES clients (id),
    state         TEXT NOT NULL CHECK (state IN ('active', 'cooling', 'dormant', 'lost')),
    since         TEXT NOT NULL,
    expected_gap  REAL,
    last_purchase TEXT NOT NULL,
    purchase_days INTEGER NOT NULL DEFAULT 0,
    next_state    TEXT CHECK (next_state IN ('cooling', 'dormant', 'lost')),
    next_at       TEXT
) STRICT;
CREATE INDEX client_rhythm_by_next ON client_rhythm (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX client_rhythm_by_state ON client_rhythm (state);
-- Clients whose purchases changed since the last run_due (an order, a status change, a merge): the
-- run recomputes their rhythm from their orders. Ids of clients since merged away are skipped. (The
-- triggers test for the row instead of INSERT OR IGNORE: an outer upsert's conflict clause would
-- override theirs.)
CREATE TABLE rhythm_dirty (
    client_id INTEGER PRIMARY KEY
) STRICT, WITHOUT ROWID;
CREATE TRIGGER rhythm_dirty_on_insert AFTER INSERT ON client_rollups
BEGIN
    INSERT INTO rhythm_dirty (client_id) SELECT NEW.client_id
    WHERE NOT EXISTS (SELECT 1 FROM rhythm_dirty WHERE client_id = NEW.client_id);
END;
CREATE TRIGGER rhythm_dirty_on_update AFTER UPDATE OF purchase_days, last_order_at ON client_rollups
WHEN OLD.purchase_days IS NOT NEW.purchase_days OR OLD.last_order_at IS NOT NEW.last_order_at
BEGIN
    INSERT INTO rhythm_dirty (client_id) SELECT NEW.client_id
    WHERE NOT EXISTS (SELECT 1 FROM rhythm_dirty WHERE client_id = NEW.client_id);
END;
CREATE TRIGGER rhythm_dirty_on_delete AFTER DELETE ON client_rollups
BEGIN
    INSERT INTO rhythm_dirty (client_id) SELECT OLD.client_id
    WHERE NOT EXISTS (SELECT 1 FROM rhythm_dirty WHERE client_id = OLD.client_id);
END;
INSERT INTO rhythm_dirty (client_id) SELECT client_id FROM client_rollups;
