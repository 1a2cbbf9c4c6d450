"""Adapters: everything that talks to DynamoDB, databases, caches and token issuers."""
