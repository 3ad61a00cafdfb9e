"""Alert rules on sensor Datastreams: thresholds, exceedance runs, rates of rise, rolling sums
and staleness, with alerts that open, are acknowledged and close (docs/sensors-alerts.md)."""
