"""Pricing a workload on AWS: list prices as data, and the model that applies them."""
