-- stagecraft ingest schema, version 1 (SQLite: the file is attached as schema `ops`). Append-only: never edit, add a new file instead.
CREATE TABLE ops.do_ingest_runs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    status             TEXT NOT NULL CHECK (status IN ('running', 'success', 'partial', 'error')),
    started_at         TEXT NOT NULL,
    finished_at        TEXT,
    resources          TEXT NOT NULL,
    api_base_url       TEXT NOT NULL,
    stagecraft_version TEXT NOT NULL,
    rows_upserted      INTEGER NOT NULL DEFAULT 0,
    rows_deleted       INTEGER NOT NULL DEFAULT 0,
    resources_failed   INTEGER NOT NULL DEFAULT 0,
    error_count        INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT
);

CREATE TABLE ops.run_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        INTEGER NOT NULL REFERENCES do_ingest_runs (id) ON DELETE CASCADE,
    resource      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('success', 'partial')),
    row_count     INTEGER NOT NULL,
    deleted_count INTEGER NOT NULL,
    error_count   INTEGER NOT NULL,
    pages         INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL,
    error         TEXT,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL
);
CREATE INDEX ops.run_events_run_id ON run_events (run_id);

CREATE TABLE ops.do_droplets (
    do_id            INTEGER PRIMARY KEY,
    name             TEXT,
    status           TEXT,
    region           TEXT,
    size_slug        TEXT,
    vcpus            INTEGER,
    memory_mb        INTEGER,
    disk_gb          INTEGER,
    image            TEXT,
    vpc_uuid         TEXT,
    public_ipv4      TEXT,
    private_ipv4     TEXT,
    tags             TEXT,
    created_at       TEXT,
    raw              TEXT NOT NULL,
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    last_seen_run_id INTEGER NOT NULL,
    deleted_at       TEXT
);

CREATE TABLE ops.do_databases (
    do_id                TEXT PRIMARY KEY,
    name                 TEXT,
    engine               TEXT,
    version              TEXT,
    status               TEXT,
    region               TEXT,
    size                 TEXT,
    num_nodes            INTEGER,
    storage_size_mib     INTEGER,
    private_network_uuid TEXT,
    tags                 TEXT,
    created_at           TEXT,
    raw                  TEXT NOT NULL,
    first_seen_at        TEXT NOT NULL,
    last_seen_at         TEXT NOT NULL,
    last_seen_run_id     INTEGER NOT NULL,
    deleted_at           TEXT
);

CREATE TABLE ops.do_firewalls (
    do_id               TEXT PRIMARY KEY,
    name                TEXT,
    status              TEXT,
    droplet_ids         TEXT,
    tags                TEXT,
    inbound_rule_count  INTEGER,
    outbound_rule_count INTEGER,
    created_at          TEXT,
    raw                 TEXT NOT NULL,
    first_seen_at       TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    last_seen_run_id    INTEGER NOT NULL,
    deleted_at          TEXT
);

CREATE TABLE ops.do_vpcs (
    do_id            TEXT PRIMARY KEY,
    urn              TEXT,
    name             TEXT,
    description      TEXT,
    region           TEXT,
    ip_range         TEXT,
    is_default       INTEGER,
    created_at       TEXT,
    raw              TEXT NOT NULL,
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    last_seen_run_id INTEGER NOT NULL,
    deleted_at       TEXT
);

CREATE TABLE ops.do_load_balancers (
    do_id            TEXT PRIMARY KEY,
    name             TEXT,
    ip               TEXT,
    status           TEXT,
    region           TEXT,
    size_unit        INTEGER,
    droplet_ids      TEXT,
    vpc_uuid         TEXT,
    created_at       TEXT,
    raw              TEXT NOT NULL,
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    last_seen_run_id INTEGER NOT NULL,
    deleted_at       TEXT
);

CREATE TABLE ops.do_domains (
    do_id            TEXT PRIMARY KEY,
    name             TEXT,
    ttl              INTEGER,
    raw              TEXT NOT NULL,
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    last_seen_run_id INTEGER NOT NULL,
    deleted_at       TEXT
);

CREATE TABLE ops.do_actions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    droplet_name TEXT NOT NULL,
    droplet_id   INTEGER,
    action       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'success', 'error')),
    do_action_id INTEGER,
    error        TEXT,
    requested_at TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX ops.do_actions_droplet_name ON do_actions (droplet_name);
