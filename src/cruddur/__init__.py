"""Cruddur Messages: direct messaging on DynamoDB."""

__version__ = "0.1.0"
