"""Clients that push evidence to a meshgov ingest server (`meshgov ingest-server`).

`http` posts artifacts to `POST /api/v1/results/{tool}` (with retries, gzip and clear errors);
`gx` is a Great Expectations Checkpoint action that sends each validation result there as the
checkpoint runs. `meshgov upload` (governance/cli/upload.py) is the command-line client.

Nothing here opens a store: a client only speaks HTTP to a server that does.
"""
