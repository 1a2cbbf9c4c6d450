"""The service's own figures: one registry (figures.py), read two ways — Prometheus text on a
loopback port (exposition.py), CloudWatch embedded-metric-format lines on AWS (emf.py)."""
