"""What the local Waygrid router and Exosphere state manager share: an HTTP layer with no dependency beyond the
standard library and httpx (served on loopback, or called in process through an httpx transport), the SQLite
database, idempotency keys and the `dev` console command."""
