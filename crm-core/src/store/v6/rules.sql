-- Retention rules: a condition about clients (canonical segment language), an action (JSON, see
-- `RuleAction`), a cool-down. A removed rule stays (its tasks and fires name it, and the retention report
-- lists it) with `removed_at` set; the name is unique among the rules in force.
CREATE TABLE retention_rules (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    condition     TEXT NOT NULL,
    action        TEXT NOT NULL,
    cooldown_days INTEGER NOT NULL CHECK (cooldown_days >= 1),
    daily_limit   INTEGER CHECK (daily_limit IS NULL OR daily_limit >= 1),
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    removed_at    TEXT
) STRICT;
CREATE UNIQUE INDEX retention_rules_by_name ON retention_rules (name) WHERE removed_at IS NULL;

-- Each time a rule acted on a client: the cool-down reads the rule's fires since `now - cooldown`; a
-- merge moves the merged client's fires to the kept one.
CREATE TABLE retention_fires (
    rule_id   INTEGER NOT NULL REFERENCES retention_rules (id),
    client_id INTEGER NOT NULL,
    fired_at  TEXT NOT NULL,
    task_id   INTEGER REFERENCES tasks (id)
) STRICT;
CREATE INDEX retention_fires_by_rule ON retention_fires (rule_id, fired_at);
CREATE INDEX retention_fires_by_client ON retention_fires (client_id, rule_id);
CREATE INDEX retention_fires_by_task ON retention_fires (task_id);

-- The rules every store starts with (documented in `crate::retention::rules`); a host changes them with
-- `add_retention_rule` (same name), pauses them with `set_retention_rule_active`, or removes them.
INSERT INTO retention_rules (id, name, condition, action, cooldown_days, active, created_at, updated_at,
                             daily_limit)
VALUES
    (1, 'reactivate dormant A-client', 'dormancy = ''dormant'' and abc = ''A''',
     '{"kind":"task","task_kind":"reactivate","title":"Win back {client}: an A-client silent for {days_since_last_order} days","due_in":"2d","to":"owner"}',
     30, 1, '2026-11-27T00:00:00.000000000Z', '2026-11-27T00:00:00.000000000Z', NULL),
    (2, 'thank after first purchase', 'orders = 1 and first_order >= 3d ago',
     '{"kind":"task","task_kind":"thank_you","title":"Thank {client} for the first purchase; offer {cross_sell}","due_in":"1d","to":"owner"}',
     3650, 1, '2026-11-27T00:00:00.000000000Z', '2026-11-27T00:00:00.000000000Z', NULL),
    (3, 'call after resolved complaint', 'days_since_complaint_resolved between 7 and 13',
     '{"kind":"task","task_kind":"complaint_follow_up","title":"Call {client}: is all well a week after the complaint was resolved?","due_in":"1d","to":"owner"}',
     14, 1, '2026-11-27T00:00:00.000000000Z', '2026-11-27T00:00:00.000000000Z', NULL),
    (4, 'birthday', 'days_to_birthday = 0',
     '{"kind":"task","task_kind":"congratulate","title":"Congratulate {client} on the birthday","due_in":"8h","to":"owner"}',
     300, 1, '2026-11-27T00:00:00.000000000Z', '2026-11-27T00:00:00.000000000Z', NULL),
    (5, 're-verify stale details', 'dormancy = ''active'' and updated < 365d ago',
     '{"kind":"task","task_kind":"verify_details","title":"Re-verify the details of {client}: not updated for a year","due_in":"7d","to":"owner"}',
     365, 1, '2026-11-27T00:00:00.000000000Z', '2026-11-27T00:00:00.000000000Z', 10);
