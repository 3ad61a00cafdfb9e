"""Web pages of citizen-concern management: citizens and back office."""
