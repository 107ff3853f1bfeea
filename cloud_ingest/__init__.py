"""Cloud ingest: validates, stores idempotently and acknowledges what gateways send."""
