"""Time series of numeric Observations: downsampling, aggregation queries and retention."""
