-- Each client's buying rhythm and place on the dormancy ladder, as the last run_due left it.
CREATE TABLE client_rhythm (
    client_id INTEGER PRIMARY KEY REFERENCES clients (id),
    state     TEXT CHECK (state IN ('active', 'cooling', 'dormant', 'lost')),
    since     TEXT
) STRICT;
