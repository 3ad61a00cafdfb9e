"""Open311 GeoReport v2 for citizen concerns, at ``/open311/v2/``."""
