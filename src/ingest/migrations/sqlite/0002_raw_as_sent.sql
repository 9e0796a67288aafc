-- Nothing to change: SQLite already keeps `raw` as the API's text. (PostgreSQL's `raw` becomes `json`.)
SELECT 1;
