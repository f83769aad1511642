"""`python -m governance.cli`: the same `meshgov` command."""

from governance.cli import app

app()
