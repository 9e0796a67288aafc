-- `raw` keeps the API's text as sent: `json` stores it as given (spacing, key order), where `jsonb`
-- re-encoded it, and costs the server only a check when rows are copied in. Rows ingested before keep
-- the text `jsonb` made of them. Queries with `->`, `->>` and `#>>` work as before; cast to `jsonb` for
-- containment (`raw::jsonb @> ...`).
ALTER TABLE ops.do_droplets ALTER COLUMN raw TYPE json USING raw::json;
ALTER TABLE ops.do_databases ALTER COLUMN raw TYPE json USING raw::json;
ALTER TABLE ops.do_firewalls ALTER COLUMN raw TYPE json USING raw::json;
ALTER TABLE ops.do_vpcs ALTER COLUMN raw TYPE json USING raw::json;
ALTER TABLE ops.do_load_balancers ALTER COLUMN raw TYPE json USING raw::json;
ALTER TABLE ops.do_domains ALTER COLUMN raw TYPE json USING raw::json;
