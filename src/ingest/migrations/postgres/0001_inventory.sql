-- stagecraft ingest schema, version 1 (PostgreSQL). Append-only: never edit, add a new file instead.
CREATE TABLE ops.do_ingest_runs (
    id                 BIGSERIAL PRIMARY KEY,
    status             TEXT NOT NULL CHECK (status IN ('running', 'success', 'partial', 'error')),
    started_at         TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ,
    resources          TEXT NOT NULL,
    api_base_url       TEXT NOT NULL,
    stagecraft_version TEXT NOT NULL,
    rows_upserted      BIGINT NOT NULL DEFAULT 0,
    rows_deleted       BIGINT NOT NULL DEFAULT 0,
    resources_failed   INTEGER NOT NULL DEFAULT 0,
    error_count        BIGINT NOT NULL DEFAULT 0,
    last_error         TEXT
);

CREATE TABLE ops.run_events (
    id            BIGSERIAL PRIMARY KEY,
    run_id        BIGINT NOT NULL REFERENCES ops.do_ingest_runs (id) ON DELETE CASCADE,
    resource      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('success', 'partial')),
    row_count     BIGINT NOT NULL,
    deleted_count BIGINT NOT NULL,
    error_count   BIGINT NOT NULL,
    pages         BIGINT NOT NULL,
    duration_ms   BIGINT NOT NULL,
    error         TEXT,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX run_events_run_id ON ops.run_events (run_id);

CREATE TABLE ops.do_droplets (
    do_id            BIGINT PRIMARY KEY,
    name             TEXT,
    status           TEXT,
    region           TEXT,
    size_slug        TEXT,
    vcpus            BIGINT,
    memory_mb        BIGINT,
    disk_gb          BIGINT,
    image            TEXT,
    vpc_uuid         TEXT,
    public_ipv4      TEXT,
    private_ipv4     TEXT,
    tags             JSONB,
    created_at       TIMESTAMPTZ,
    raw              JSONB NOT NULL,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    last_seen_at     TIMESTAMPTZ NOT NULL,
    last_seen_run_id BIGINT NOT NULL,
    deleted_at       TIMESTAMPTZ
);

CREATE TABLE ops.do_databases (
    do_id                TEXT PRIMARY KEY,
    name                 TEXT,
    engine               TEXT,
    version              TEXT,
    status               TEXT,
    region               TEXT,
    size                 TEXT,
    num_nodes            BIGINT,
    storage_size_mib     BIGINT,
    private_network_uuid TEXT,
    tags                 JSONB,
    created_at           TIMESTAMPTZ,
    raw                  JSONB NOT NULL,
    first_seen_at        TIMESTAMPTZ NOT NULL,
    last_seen_at         TIMESTAMPTZ NOT NULL,
    last_seen_run_id     BIGINT NOT NULL,
    deleted_at           TIMESTAMPTZ
);

CREATE TABLE ops.do_firewalls (
    do_id               TEXT PRIMARY KEY,
    name                TEXT,
    status              TEXT,
    droplet_ids         JSONB,
    tags                JSONB,
    inbound_rule_count  BIGINT,
    outbound_rule_count BIGINT,
    created_at          TIMESTAMPTZ,
    raw                 JSONB NOT NULL,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    last_seen_at        TIMESTAMPTZ NOT NULL,
    last_seen_run_id    BIGINT NOT NULL,
    deleted_at          TIMESTAMPTZ
);

CREATE TABLE ops.do_vpcs (
    do_id            TEXT PRIMARY KEY,
    urn              TEXT,
    name             TEXT,
    description      TEXT,
    region           TEXT,
    ip_range         TEXT,
    is_default       BOOLEAN,
    created_at       TIMESTAMPTZ,
    raw              JSONB NOT NULL,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    last_seen_at     TIMESTAMPTZ NOT NULL,
    last_seen_run_id BIGINT NOT NULL,
    deleted_at       TIMESTAMPTZ
);

CREATE TABLE ops.do_load_balancers (
    do_id            TEXT PRIMARY KEY,
    name             TEXT,
    ip               TEXT,
    status           TEXT,
    region           TEXT,
    size_unit        BIGINT,
    droplet_ids      JSONB,
    vpc_uuid         TEXT,
    created_at       TIMESTAMPTZ,
    raw              JSONB NOT NULL,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    last_seen_at     TIMESTAMPTZ NOT NULL,
    last_seen_run_id BIGINT NOT NULL,
    deleted_at       TIMESTAMPTZ
);

CREATE TABLE ops.do_domains (
    do_id            TEXT PRIMARY KEY,
    name             TEXT,
    ttl              BIGINT,
    raw              JSONB NOT NULL,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    last_seen_at     TIMESTAMPTZ NOT NULL,
    last_seen_run_id BIGINT NOT NULL,
    deleted_at       TIMESTAMPTZ
);

CREATE TABLE ops.do_actions (
    id           BIGSERIAL PRIMARY KEY,
    droplet_name TEXT NOT NULL,
    droplet_id   BIGINT,
    action       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'success', 'error')),
    do_action_id BIGINT,
    error        TEXT,
    requested_at TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX do_actions_droplet_name ON ops.do_actions (droplet_name);
